namespace WorkSessions.Domain;

/// <summary>
/// Version 7 UUIDs (RFC 9562: the Unix time in milliseconds, then 74 random bits) for sessions and report events. Ids
/// must be unique and ordered by time, not unguessable, so the random bits come from .NET's shared pseudo-random
/// generator (xoshiro256**, seeded per thread from the system): <see cref="Guid.CreateVersion7(DateTimeOffset)"/> takes
/// them from the system's secure generator, a read of <c>/dev/urandom</c> per id on Linux — 6 % of the CPU of a
/// 50,000-deadline storm's decisions.
/// </summary>
internal static class TimeOrderedIds
{
    /// <summary>A new version 7 id for the given time.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The time is before the Unix epoch.</exception>
    public static Guid New(DateTimeOffset at)
    {
        var milliseconds = at.ToUnixTimeMilliseconds();
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds, nameof(at));
        Span<byte> random = stackalloc byte[10];
        Random.Shared.NextBytes(random);
        return new Guid(
            (int)(milliseconds >> 16),
            (short)milliseconds,
            (short)(((random[0] << 8) | random[1]) & 0x0FFF | 0x7000),
            (byte)((random[2] & 0x3F) | 0x80),
            random[3],
            random[4],
            random[5],
            random[6],
            random[7],
            random[8],
            random[9]);
    }
}
