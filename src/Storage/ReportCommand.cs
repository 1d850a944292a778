using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;

namespace WorkSessions.Storage;

/// <summary>
/// A <see cref="ReportQuery"/> about to run: the parameters, lists, rows and flags bound to it. Its text is made from
/// the file when it executes, keeping the lines whose conditions hold.
/// </summary>
internal sealed class ReportCommand : IAsyncDisposable
{
    // A batch binds thousands of these names: made once, not per row of every batch. 200 rows (the most a PostgreSQL
    // statement holds) of 15 columns (the widest row); anything beyond is named on the spot.
    private static readonly string[][] RowParameterNames = [.. Enumerable.Range(0, 200)
        .Select(row => Enumerable.Range(0, 15).Select(column => string.Create(CultureInfo.InvariantCulture, $"@r{row}_{column}")).ToArray())];

    private readonly ReportQuery _query;
    private readonly DbCommand _command;
    private readonly HashSet<string> _bound = new(StringComparer.Ordinal);
    private List<(string Name, int Count)>? _lists;
    private StringBuilder? _rows;

    internal ReportCommand(ReportQuery query, DbConnection connection, DbTransaction? transaction)
    {
        _query = query;
        _command = connection.CreateCommand();
        _command.Transaction = transaction;
    }

    internal IEnumerable<(string Name, int Count)> Lists => _lists ?? [];

    internal string? RowTuples => _rows?.ToString();

    /// <summary>Binds <c>@name</c>.</summary>
    public ReportCommand Add(string name, object? value)
    {
        Bind(name, value);
        _bound.Add(name);
        return this;
    }

    /// <summary>Binds <c>@name</c> when the value is not null; lines marked <c>-- when @name</c> follow it.</summary>
    public ReportCommand AddIfSet(string name, object? value) => value is null ? this : Add(name, value);

    /// <summary>Binds a list: <c>@name</c> in the file becomes <c>@name0, @name1, …</c>, or NULL when it is empty.</summary>
    public ReportCommand AddList(string name, IEnumerable<object?> values)
    {
        var count = 0;
        foreach (var value in values)
        {
            Bind(string.Create(CultureInfo.InvariantCulture, $"{name}{count++}"), value);
        }

        (_lists ??= []).Add((name, count));
        _bound.Add(name);
        return this;
    }

    /// <summary>Binds a list when it is not null (lines marked <c>-- when @name</c> follow it); an empty one matches nothing.</summary>
    public ReportCommand AddListIfSet(string name, IEnumerable<string>? values) =>
        values is null ? this : AddList(name, values.Distinct(StringComparer.Ordinal).Select(value => (object?)value));

    /// <summary>Sets a flag for lines marked <c>-- when flag</c> / <c>-- unless flag</c>.</summary>
    public ReportCommand Flag(string name, bool set = true)
    {
        if (set)
        {
            _bound.Add(name);
        }

        return this;
    }

    /// <summary>Binds one row of a multi-row insert (<c>@r{row}_{column}</c>) and appends its tuple for <c>{rows}</c>.</summary>
    public ReportCommand AddRow(params object?[] values)
    {
        var row = RowCount++;
        var sql = _rows ??= new StringBuilder();
        sql.Append(row == 0 ? "(" : ", (");
        for (var column = 0; column < values.Length; column++)
        {
            var name = RowParameterName(row, column);
            sql.Append(column == 0 ? "" : ", ").Append(name);
            Bind(name, values[column]);
        }

        sql.Append(')');
        return this;
    }

    private int RowCount { get; set; }

    internal bool Has(string name) => _bound.Contains(name);

    /// <summary>The statement's text as it will run, for what is bound so far.</summary>
    internal string Text => _query.Render(this);

    public Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken) => Prepared().ExecuteNonQueryAsync(cancellationToken);

    public Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken) => Prepared().ExecuteScalarAsync(cancellationToken);

    public Task<DbDataReader> ExecuteReaderAsync(CancellationToken cancellationToken) => Prepared().ExecuteReaderAsync(cancellationToken);

    public ValueTask DisposeAsync() => _command.DisposeAsync();

    private DbCommand Prepared()
    {
        _command.CommandText = Text;
        return _command;
    }

    private void Bind(string name, object? value)
    {
        var parameter = _command.CreateParameter();
        parameter.ParameterName = ParameterName(_command, name);
        parameter.Value = value is string text ? ReportStore.Storable(text) : value ?? DBNull.Value;
        if (value is null)
        {
            // Npgsql cannot infer a type from DBNull; every nullable column of these tables is text.
            parameter.DbType = DbType.String;
        }

        _command.Parameters.Add(parameter);
    }

    private static string RowParameterName(int row, int column) =>
        row < RowParameterNames.Length && column < RowParameterNames[row].Length
            ? RowParameterNames[row][column]
            : string.Create(CultureInfo.InvariantCulture, $"@r{row}_{column}");

    /// <summary>
    /// A parameter's name as its provider binds it fastest: Microsoft.Data.Sqlite looks a name up in the statement as
    /// it is, and tries <c>@</c>, <c>$</c> and <c>:</c> in turn (three names built and converted on every execution)
    /// for one given without its prefix; every statement here writes <c>@name</c>. Npgsql takes the name without it.
    /// </summary>
    private static string ParameterName(DbCommand command, string name) => command is Microsoft.Data.Sqlite.SqliteCommand
        ? name.StartsWith('@') ? name : "@" + name
        : name.StartsWith('@') ? name[1..] : name;
}
