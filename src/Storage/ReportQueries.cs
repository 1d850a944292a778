using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace WorkSessions.Storage;

/// <summary>
/// The report tables' SQL for one dialect, read once from the files embedded under
/// <c>src/Storage/Queries/{sqlite|postgres}/&lt;name&gt;.sql</c>: what differs between the databases is written in SQL, as
/// the schema migrations are, and <see cref="ReportStore"/> only binds parameters and maps rows.
/// </summary>
/// <remarks>
/// A file is one statement in plain SQL with three marks, read the same way for both dialects: a line ending in
/// <c>-- when @name</c> is kept only when the parameter is bound (<c>-- when flag</c> / <c>-- unless flag</c> when the
/// caller sets the flag); <c>{rows}</c> stands for the VALUES tuples of a multi-row insert, one <c>(@r{row}_{column}, …)</c>
/// per row; and a list parameter (<see cref="ReportCommand.AddList"/>) becomes one parameter per item, or NULL when the list
/// is empty. Whole-line comments are dropped; a file that holds nothing else is a step that dialect does not need.
/// </remarks>
internal sealed class ReportQueries
{
    internal const string ResourcePrefix = "WorkSessions.Storage.Queries.";

    /// <summary>The file names every dialect provides, and no more.</summary>
    internal static readonly IReadOnlyList<string> Names =
    [
        "batch_begin", "batch_lock_tenant", "insert_events", "insert_started_sessions", "upsert_ended_sessions",
        "sessions_started", "sessions_overlapping", "agents_with_sessions", "open_sessions", "session_spans", "events",
        "latest_position", "purge_events", "purge_sessions",
    ];

    private static readonly Lazy<ReportQueries> Sqlite = new(() => new ReportQueries("sqlite", rowsPerStatement: 16, purgeChunkRows: 1_000));

    private static readonly Lazy<ReportQueries> Postgres = new(() => new ReportQueries("postgres", rowsPerStatement: 200, purgeChunkRows: 10_000));

    private ReportQueries(string dialect, int rowsPerStatement, int purgeChunkRows)
    {
        Dialect = dialect;
        RowsPerStatement = rowsPerStatement;
        PurgeChunkRows = purgeChunkRows;
        var queries = Names.ToDictionary(name => name, name => ReportQuery.Parse(name, Load(dialect, name)));
        BatchBegin = queries["batch_begin"];
        BatchLockTenant = queries["batch_lock_tenant"];
        InsertEvents = queries["insert_events"];
        InsertStartedSessions = queries["insert_started_sessions"];
        UpsertEndedSessions = queries["upsert_ended_sessions"];
        SessionsStarted = queries["sessions_started"];
        SessionsOverlapping = queries["sessions_overlapping"];
        AgentsWithSessions = queries["agents_with_sessions"];
        OpenSessions = queries["open_sessions"];
        SessionSpans = queries["session_spans"];
        Events = queries["events"];
        LatestPosition = queries["latest_position"];
        PurgeEvents = queries["purge_events"];
        PurgeSessions = queries["purge_sessions"];
    }

    /// <summary>The folder the files come from: <c>sqlite</c> or <c>postgres</c>.</summary>
    public string Dialect { get; }

    /// <summary>
    /// Rows per multi-row statement. PostgreSQL: one round trip per 200 rows. SQLite runs in process, so round trips cost
    /// nothing, while binding parameters by name costs time in the square of their number (measured: 200 rows of 13
    /// parameters held a batch of 500 at ~1,200 events/s): a few rows a statement.
    /// </summary>
    public int RowsPerStatement { get; }

    /// <summary>
    /// Rows per purge transaction. SQLite: tens of milliseconds of the writer's thread, about what a batch of grain writes
    /// takes (measured during a storm of state writes: 330,000 rows in 54 s beside 21,958 writes, none failed, the longest
    /// 0.9 s; in one transaction 15 s, and 448 writes failed on the busy timeout). PostgreSQL: row locks and WAL of one
    /// chunk at a time, a round trip per 10,000 rows.
    /// </summary>
    public int PurgeChunkRows { get; }

    public ReportQuery BatchBegin { get; }

    public ReportQuery BatchLockTenant { get; }

    public ReportQuery InsertEvents { get; }

    public ReportQuery InsertStartedSessions { get; }

    public ReportQuery UpsertEndedSessions { get; }

    public ReportQuery SessionsStarted { get; }

    public ReportQuery SessionsOverlapping { get; }

    public ReportQuery AgentsWithSessions { get; }

    public ReportQuery OpenSessions { get; }

    public ReportQuery SessionSpans { get; }

    public ReportQuery Events { get; }

    public ReportQuery LatestPosition { get; }

    public ReportQuery PurgeEvents { get; }

    public ReportQuery PurgeSessions { get; }

    /// <summary>The set for a database kind, read on first use.</summary>
    public static ReportQueries For(StorageProvider provider) => provider == StorageProvider.Postgres ? Postgres.Value : Sqlite.Value;

    /// <summary>The names of the files embedded for a dialect folder.</summary>
    internal static IReadOnlyList<string> EmbeddedNames(string dialect)
    {
        var prefix = ResourcePrefix + dialect + ".";
        return [.. typeof(ReportQueries).Assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Select(name => name[prefix.Length..^".sql".Length])
            .Order(StringComparer.Ordinal)];
    }

    private static string Load(string dialect, string name)
    {
        var resource = ResourcePrefix + dialect + "." + name + ".sql";
        using var stream = typeof(ReportQueries).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The report query {resource} is not embedded.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}

/// <summary>One statement of <see cref="ReportQueries"/>, its lines and their conditions as the file gives them.</summary>
internal sealed partial class ReportQuery
{
    private const string RowsMark = "{rows}";

    private readonly (string Text, string? Condition, bool Negated)[] _lines;

    private ReportQuery(string name, (string, string?, bool)[] lines)
    {
        Name = name;
        _lines = lines;
    }

    /// <summary>The file's name.</summary>
    public string Name { get; }

    /// <summary>True when the file holds no statement: a step this dialect does not take.</summary>
    public bool IsEmpty => _lines.Length == 0;

    internal static ReportQuery Parse(string name, string text)
    {
        var lines = new List<(string, string?, bool)>();
        foreach (var raw in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("--", StringComparison.Ordinal))
            {
                continue;
            }

            var mark = ConditionMark().Match(line);
            lines.Add(mark.Success
                ? (line[..mark.Index].TrimEnd(), mark.Groups["name"].Value, mark.Groups["verb"].Value == "unless")
                : (line, null, false));
        }

        return new ReportQuery(name, [.. lines]);
    }

    /// <summary>A command for this statement on the connection; its text is made when it runs.</summary>
    public ReportCommand Command(DbConnection connection, DbTransaction? transaction) => new(this, connection, transaction);

    /// <summary>The statement's text for the parameters and flags a command holds.</summary>
    internal string Render(ReportCommand command)
    {
        var sql = new StringBuilder();
        var rows = command.RowTuples;
        foreach (var (text, condition, negated) in _lines)
        {
            if (condition is not null && command.Has(condition) == negated)
            {
                continue;
            }

            var line = text;
            foreach (var (list, count) in command.Lists)
            {
                line = Regex.Replace(line, $@"@{Regex.Escape(list)}\b", count == 0
                    ? "NULL"
                    : string.Join(", ", Enumerable.Range(0, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"@{list}{i}"))));
            }

            if (rows is not null)
            {
                line = line.Replace(RowsMark, rows, StringComparison.Ordinal);
            }

            sql.Append(sql.Length == 0 ? "" : "\n").Append(line);
        }

        return sql.ToString();
    }

    [GeneratedRegex(@"\s*--\s*(?<verb>when|unless)\s+@?(?<name>[A-Za-z_][A-Za-z0-9_]*)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex ConditionMark();
}
