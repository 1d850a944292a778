using System.Globalization;

namespace WorkSessions.Domain.Limits;

/// <summary>
/// When a team's wall clock reaches a time of day (docs/architecture.md#shift-end). One rule covers the days on which
/// daylight saving starts or ends: a shift ends at the first instant at which the team's wall clock reaches its time.
/// A time that does not exist that day (02:30 when the clocks jump from 02:00 to 03:00) is reached at the jump, the
/// first local time after the gap (03:00); a time that happens twice (02:30 when the clocks go back from 03:00 to
/// 02:00) is reached the first time, on summer time. Pure: no clock, no I/O.
/// </summary>
public static class ShiftClock
{
    /// <summary>The latest number of minutes a shift's warning may come before its end.</summary>
    public const int MaximumWarnMinutes = 240;

    /// <summary>A time of day in the form <c>HH:mm</c> (00:00 to 23:59), or null when it is not one.</summary>
    /// <param name="text">The text.</param>
    public static TimeOnly? ParseTime(string? text) =>
        text is { Length: 5 } && TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            ? time
            : null;

    /// <summary>The time zone of an IANA name; UTC for null or a name this host does not know (teams are validated when stored).</summary>
    /// <param name="name">The IANA name.</param>
    public static TimeZoneInfo Zone(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return TimeZoneInfo.Utc;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(name);
        }
        catch (Exception exception) when (exception is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return TimeZoneInfo.Utc;
        }
    }

    /// <summary>The first instant after <paramref name="after"/> at which the wall clock of <paramref name="zone"/> reaches <paramref name="time"/>.</summary>
    /// <param name="time">The local time of day.</param>
    /// <param name="zone">The time zone.</param>
    /// <param name="after">The instant after which (strictly) to look.</param>
    public static DateTimeOffset NextOccurrence(TimeOnly time, TimeZoneInfo zone, DateTimeOffset after)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(after, zone).DateTime);

        // Starting the day before covers a zone whose offset moved the local date; three days always find it.
        for (var offset = -1; ; offset++)
        {
            var instant = FirstInstantAt(day.AddDays(offset).ToDateTime(time, DateTimeKind.Unspecified), zone);
            if (instant > after)
            {
                return instant;
            }
        }
    }

    /// <summary>The first instant at which the wall clock of <paramref name="zone"/> shows <paramref name="local"/> or, in a gap, passes it.</summary>
    private static DateTimeOffset FirstInstantAt(DateTime local, TimeZoneInfo zone)
    {
        if (zone.IsInvalidTime(local))
        {
            // The gaps of every zone start and end on a whole minute: the first valid minute is the jump.
            while (zone.IsInvalidTime(local))
            {
                local = local.AddMinutes(1);
            }

            local = new DateTime(local.Year, local.Month, local.Day, local.Hour, local.Minute, 0, DateTimeKind.Unspecified);
            return new DateTimeOffset(local, zone.GetUtcOffset(local));
        }

        if (zone.IsAmbiguousTime(local))
        {
            // The larger offset is the earlier instant: the first time the clock shows it.
            return new DateTimeOffset(local, zone.GetAmbiguousTimeOffsets(local).Max());
        }

        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }
}
