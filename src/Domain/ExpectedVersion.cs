using WorkSessions.Contracts;

namespace WorkSessions.Domain;

/// <summary>An optimistic write's precondition (an HTTP <c>If-Match</c>): the version a caller read must still be the stored one.</summary>
public static class ExpectedVersion
{
    /// <summary>Passes when nothing is expected or <paramref name="expected"/> is <paramref name="stored"/>.</summary>
    /// <param name="expected">The version the caller read; null expects nothing.</param>
    /// <param name="stored">The version stored now (0: nothing stored yet).</param>
    /// <param name="what">What is versioned, for the message: "The preferences are", "The team is".</param>
    /// <exception cref="WorkSessionException"><c>version_mismatch</c> otherwise.</exception>
    public static void Check(long? expected, long stored, string what)
    {
        if (expected is { } version && version != stored)
        {
            throw new WorkSessionException(ErrorCodes.VersionMismatch, $"{what} at version {stored}, not {version}; read again and retry.");
        }
    }
}
