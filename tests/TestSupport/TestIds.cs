namespace WorkSessions.TestSupport;

/// <summary>Keys of a test's own, so tests that share a silo or a database never see each other's grains.</summary>
public static class TestIds
{
    /// <summary>A tenant id nobody else uses: <c>t-</c> and twelve hex digits (short enough to read in a log line).</summary>
    public static string NewTenantId() => "t-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>A name nobody else uses for a service id, probe key or the like: <paramref name="prefix"/>, a dash and eight hex digits.</summary>
    public static string New(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];
}
