using System.Globalization;
using System.Reflection;
using System.Text.Json;
using CsvHelper;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Net.Http.Headers;
using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.Gateway.Hosting;

namespace WorkSessions.Gateway.Apis;

/// <summary>One CSV column: its header (the JSON field's name) and how a row's value is written.</summary>
/// <typeparam name="T">The row type.</typeparam>
/// <param name="Header">The header cell.</param>
/// <param name="Value">The cell of a row; null is an empty cell.</param>
public sealed record CsvColumn<T>(string Header, Func<T, string?> Value);

/// <summary>
/// A report streamed as CSV (RFC 4180: a header row, CRLF, quoting where needed) page by page. The first page is read
/// before the result runs, so a rejected query is still a problem-details answer; later pages are read, written and
/// flushed one at a time, so an export of any size holds one page in memory.
/// </summary>
/// <typeparam name="T">The row type.</typeparam>
public sealed class CsvExport<T>(string fileName, IReadOnlyList<CsvColumn<T>> columns, ReportPage<T> first, Func<string, Task<ReportPage<T>>> next)
    : IResult, IEndpointMetadataProvider
{
    public const string ContentType = "text/csv";

    private static readonly CsvWriterOptions Csv = new()
    {
        Mode = CsvMode.Rfc4180,
        Separator = ',',
        NewLine = "\r\n",
        Quoting = CsvQuoting.WhenNeeded,
        FormatProvider = CultureInfo.InvariantCulture,
        WriteByteOrderMark = false,
    };

    /// <summary>
    /// A cell a spreadsheet would run as a formula (it begins with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab or a
    /// carriage return: free text such as a note or a reason code) gets a leading apostrophe, as OWASP advises for CSV
    /// exports: a supervisor opening the file runs nothing an agent typed.
    /// </summary>
    internal static string Inert(string? cell) =>
        cell is { Length: > 0 } && cell[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + cell : cell ?? "";

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        var cancellationToken = httpContext.RequestAborted;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType + "; charset=utf-8";
        response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = fileName }.ToString();

        // CsvHelper writes synchronously when its buffer fills; the server allows only asynchronous writes. Each page
        // goes to a buffer that is then copied to the response asynchronously and emptied.
        using var buffer = new MemoryStream();
        await using var csv = CsvWriter.Create(buffer, Csv, true);
        foreach (var column in columns)
        {
            csv.WriteField(column.Header);
        }

        csv.EndRecord();
        var page = first;
        while (true)
        {
            foreach (var row in page.Items)
            {
                foreach (var column in columns)
                {
                    csv.WriteField(Inert(column.Value(row)));
                }

                csv.EndRecord();
            }

            await csv.FlushAsync(cancellationToken);
            await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
            buffer.SetLength(0);
            if (page.NextCursor is null)
            {
                return;
            }

            page = await next(page.NextCursor);
        }
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // Not a ProducesResponseType: the document keeps one per status, and this one would replace the JSON body's.
        builder.Metadata.Add(new AlternativeContent(ContentType));
    }
}

/// <summary>The CSV columns of each report: the JSON fields in order, nested values flattened.</summary>
internal static class CsvColumns
{
    public static readonly IReadOnlyList<CsvColumn<SessionReportItem>> Sessions =
    [
        new("sessionId", row => Id(row.SessionId)),
        new("agentId", row => row.AgentId),
        new("startedAt", row => Time(row.StartedAt)),
        new("endedAt", row => Time(row.EndedAt)),
        new("endReason", row => Name(row.EndReason)),
        new("endedBy", row => row.EndedBy),
        new("promptCount", row => Number(row.PromptCount)),
        new("continueCount", row => Number(row.ContinueCount)),
        new("readySeconds", row => Number(row.ReadySeconds)),
        new("notReadySeconds", row => Number(row.NotReadySeconds)),
        new("occupiedSeconds", row => Number(row.OccupiedSeconds)),
        new("note", row => row.Note),
        new("teamId", row => row.TeamId),
    ];

    public static readonly IReadOnlyList<CsvColumn<TimecardRow>> Timecards =
    [
        new("agentId", row => row.AgentId),
        new("date", row => row.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        new("sessions", row => Number(row.Sessions)),
        new("sessionSeconds", row => Number(row.SessionSeconds)),
        new("readySeconds", row => Number(row.ReadySeconds)),
        new("notReadySeconds", row => Number(row.NotReadySeconds)),
        // Reasons are free-form codes, so they cannot be columns of their own: one JSON object in one cell.
        new("notReadyByReason", row => JsonSerializer.Serialize(row.NotReadyByReason)),
        new("occupiedSeconds", row => Number(row.OccupiedSeconds)),
        new("prompts", row => Number(row.Prompts)),
        new("continues", row => Number(row.Continues)),
        new("autoEnds", row => Number(row.AutoEnds)),
    ];

    public static readonly IReadOnlyList<CsvColumn<StatusHistoryItem>> StatusHistory =
    [
        new("eventId", row => Id(row.EventId)),
        new("at", row => Time(row.At)),
        new("sessionId", row => row.SessionId is { } id ? Id(id) : null),
        new("from", row => Name<AgentStatus>(row.From)),
        new("to", row => Name<AgentStatus>(row.To)),
        new("reason", row => row.Reason),
        new("actorRole", row => Name<ActorRole>(row.Actor.Role)),
        new("actorUserId", row => row.Actor.UserId),
        new("teamId", row => row.TeamId),
    ];

    private static string Id(Guid id) => id.ToString("D");

    /// <summary>ISO 8601 in UTC with a <c>Z</c>, fractions of a second only when there are any.</summary>
    private static string? Time(DateTimeOffset? time) =>
        time?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The enum's API name (camelCase), as in the JSON.</summary>
    private static string? Name<TEnum>(TEnum? value) where TEnum : struct, Enum =>
        value is { } some ? JsonNamingPolicy.CamelCase.ConvertName(some.ToString()) : null;
}
