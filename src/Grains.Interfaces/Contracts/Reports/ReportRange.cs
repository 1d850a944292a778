namespace WorkSessions.Contracts.Reports;

/// <summary>
/// A report's time range <c>[From, To)</c> in UTC: at most <see cref="MaxDays"/> days, <c>From</c> before <c>To</c>
/// (docs/http-api.md#reports). Built only through <see cref="Create"/>, so every range a report sees is valid.
/// </summary>
/// <param name="From">The first instant included.</param>
/// <param name="To">The first instant no longer included.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.ReportRange")]
public sealed record ReportRange([property: Id(0)] DateTimeOffset From, [property: Id(1)] DateTimeOffset To)
{
    /// <summary>The longest range a report covers.</summary>
    public const int MaxDays = 93;

    /// <summary>No report starts before this.</summary>
    public static readonly DateTimeOffset Earliest = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>No report ends after this (far from the calendar's end, so local days and intervals never overflow).</summary>
    public static readonly DateTimeOffset Latest = new(9000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The range's length.</summary>
    public TimeSpan Length => To - From;

    /// <summary>Validates a range.</summary>
    /// <param name="from">The first instant included.</param>
    /// <param name="to">The first instant no longer included.</param>
    /// <returns>The range, in UTC.</returns>
    /// <exception cref="WorkSessionException"><c>invalid_range</c> when <paramref name="from"/> is not before <paramref name="to"/>, the range exceeds <see cref="MaxDays"/> days, or it lies outside <see cref="Earliest"/>–<see cref="Latest"/>.</exception>
    public static ReportRange Create(DateTimeOffset from, DateTimeOffset to)
    {
        if (from >= to)
        {
            throw new WorkSessionException(ErrorCodes.InvalidRange, "'from' must be before 'to'.");
        }

        if (from < Earliest || to > Latest)
        {
            throw new WorkSessionException(ErrorCodes.InvalidRange, $"Report ranges lie between {Earliest:yyyy-MM-dd} and {Latest:yyyy-MM-dd}.");
        }

        if (to - from > TimeSpan.FromDays(MaxDays))
        {
            throw new WorkSessionException(ErrorCodes.InvalidRange, $"A report covers at most {MaxDays} days.");
        }

        return new ReportRange(from.ToUniversalTime(), to.ToUniversalTime());
    }

    /// <summary>Checks a range that crossed a grain call, where <see cref="Create"/> may have been bypassed.</summary>
    /// <returns>This range.</returns>
    /// <exception cref="WorkSessionException"><c>invalid_range</c>.</exception>
    public ReportRange Validated() => Create(From, To);
}

/// <summary>Page sizes of every report and of the event feed.</summary>
public static class ReportLimits
{
    /// <summary>The page size when none is asked for.</summary>
    public const int DefaultLimit = 100;

    /// <summary>The largest page.</summary>
    public const int MaxLimit = 1000;

    /// <summary>The shortest concurrency interval.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMinutes(1);

    /// <summary>The most intervals one concurrency report returns.</summary>
    public const int MaxIntervals = 10_000;

    /// <summary>Checks a page size.</summary>
    /// <param name="limit">The asked size, or null for the default.</param>
    /// <returns>The page size.</returns>
    /// <exception cref="WorkSessionException"><c>invalid_argument</c> outside 1–<see cref="MaxLimit"/>.</exception>
    public static int PageSize(int? limit) => limit switch
    {
        null => DefaultLimit,
        >= 1 and <= MaxLimit => limit.Value,
        _ => throw new WorkSessionException(ErrorCodes.InvalidArgument, $"limit must be between 1 and {MaxLimit}."),
    };
}

/// <summary>A page of a report: its items and the opaque cursor of the next page, null on the last.</summary>
/// <typeparam name="T">The row type.</typeparam>
/// <param name="Items">The rows, in the report's order.</param>
/// <param name="NextCursor">Pass it as <c>cursor</c> for the next page; null when there is none.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.ReportPage`1")]
public sealed record ReportPage<T>([property: Id(0)] IReadOnlyList<T> Items, [property: Id(1)] string? NextCursor);
