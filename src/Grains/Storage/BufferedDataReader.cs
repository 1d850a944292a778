using System.Collections;
using System.Data.Common;
using System.Globalization;

namespace WorkSessions.Storage;

/// <summary>One result set of a command, read to the end: column names and types, and every row's values.</summary>
internal sealed record BufferedResultSet(string[] Names, Type[] FieldTypes, string[] DataTypeNames, List<object[]> Rows);

/// <summary>A command's whole result, read on the connection that ran it, so the caller can read it anywhere later.</summary>
internal sealed record BufferedResult(List<BufferedResultSet> ResultSets, int RecordsAffected)
{
    /// <summary>The first column of the first row, as <c>ExecuteScalar</c> answers; null without one.</summary>
    public object? Scalar => ResultSets.Count > 0 && ResultSets[0].Rows.Count > 0 && ResultSets[0].Names.Length > 0
        ? ResultSets[0].Rows[0][0]
        : null;

    /// <summary>Reads a SQLite reader to its end, every result set, the way <c>SqliteDataReader</c> presents them.</summary>
    public static BufferedResult Read(DbDataReader reader)
    {
        var sets = new List<BufferedResultSet>();
        do
        {
            var count = reader.FieldCount;
            var names = new string[count];
            var types = new Type[count];
            var typeNames = new string[count];
            for (var i = 0; i < count; i++)
            {
                names[i] = reader.GetName(i);
                types[i] = reader.GetFieldType(i);
                typeNames[i] = reader.GetDataTypeName(i);
            }

            var rows = new List<object[]>();
            while (reader.Read())
            {
                var values = new object[count];
                reader.GetValues(values);
                rows.Add(values);
            }

            sets.Add(new BufferedResultSet(names, types, typeNames, rows));
        }
        while (reader.NextResult());

        reader.Close();
        return new BufferedResult(sets, reader.RecordsAffected);
    }
}

/// <summary>
/// A data reader over a <see cref="BufferedResult"/>. Values are those SQLite returned (INTEGER as <see cref="long"/>,
/// REAL as <see cref="double"/>, TEXT as <see cref="string"/>, BLOB as byte arrays); the typed getters convert them
/// as Microsoft.Data.Sqlite's reader does, so code written against it reads the same values from this one.
/// </summary>
internal sealed class BufferedDataReader(BufferedResult result, Action? onClose = null) : DbDataReader
{
    private int _set;
    private int _row = -1;
    private bool _closed;

    private BufferedResultSet Set => _set < result.ResultSets.Count
        ? result.ResultSets[_set]
        : new BufferedResultSet([], [], [], []);

    private object[] Row => _row >= 0 && _row < Set.Rows.Count
        ? Set.Rows[_row]
        : throw new InvalidOperationException("No current row: call Read first.");

    public override int FieldCount => Set.Names.Length;

    public override bool HasRows => Set.Rows.Count > 0;

    public override bool IsClosed => _closed;

    public override int RecordsAffected => result.RecordsAffected;

    public override int Depth => 0;

    public override object this[int ordinal] => GetValue(ordinal);

    public override object this[string name] => GetValue(GetOrdinal(name));

    public override bool Read()
    {
        if (_row < Set.Rows.Count)
        {
            _row++;
        }

        return _row < Set.Rows.Count;
    }

    public override bool NextResult()
    {
        _row = -1;
        if (_set < result.ResultSets.Count)
        {
            _set++;
        }

        return _set < result.ResultSets.Count;
    }

    public override void Close()
    {
        if (!_closed)
        {
            _closed = true;
            onClose?.Invoke();
        }
    }

    public override string GetName(int ordinal) => Set.Names[ordinal];

    public override int GetOrdinal(string name)
    {
        var names = Set.Names;
        for (var i = 0; i < names.Length; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        for (var i = 0; i < names.Length; i++)
        {
            if (string.Equals(names[i], name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(name), name, "No column of that name.");
    }

    public override string GetDataTypeName(int ordinal) => Set.DataTypeNames[ordinal];

    public override Type GetFieldType(int ordinal) =>
        _row >= 0 && _row < Set.Rows.Count && Row[ordinal] is not DBNull and { } value ? value.GetType() : Set.FieldTypes[ordinal];

    public override object GetValue(int ordinal) => Row[ordinal];

    public override int GetValues(object[] values)
    {
        var row = Row;
        var count = Math.Min(values.Length, row.Length);
        Array.Copy(row, values, count);
        return count;
    }

    public override bool IsDBNull(int ordinal) => Row[ordinal] is DBNull;

    public override bool GetBoolean(int ordinal) => GetInt64(ordinal) != 0;

    public override byte GetByte(int ordinal) => checked((byte)GetInt64(ordinal));

    public override short GetInt16(int ordinal) => checked((short)GetInt64(ordinal));

    public override int GetInt32(int ordinal) => checked((int)GetInt64(ordinal));

    public override long GetInt64(int ordinal) => NotNull(ordinal) switch
    {
        long value => value,
        double value => (long)value,
        string value => long.Parse(value, CultureInfo.InvariantCulture),
        var value => Convert.ToInt64(value, CultureInfo.InvariantCulture),
    };

    public override double GetDouble(int ordinal) => NotNull(ordinal) switch
    {
        double value => value,
        long value => value,
        string value => double.Parse(value, CultureInfo.InvariantCulture),
        var value => Convert.ToDouble(value, CultureInfo.InvariantCulture),
    };

    public override float GetFloat(int ordinal) => (float)GetDouble(ordinal);

    public override decimal GetDecimal(int ordinal) => NotNull(ordinal) switch
    {
        string value => decimal.Parse(value, NumberStyles.Number | NumberStyles.AllowExponent, CultureInfo.InvariantCulture),
        var value => Convert.ToDecimal(value, CultureInfo.InvariantCulture),
    };

    public override string GetString(int ordinal) => NotNull(ordinal) switch
    {
        string value => value,
        byte[] value => System.Text.Encoding.UTF8.GetString(value),
        var value => Convert.ToString(value, CultureInfo.InvariantCulture)!,
    };

    public override char GetChar(int ordinal) => NotNull(ordinal) switch
    {
        string { Length: 1 } value => value[0],
        var value => (char)Convert.ToInt64(value, CultureInfo.InvariantCulture),
    };

    public override DateTime GetDateTime(int ordinal) => NotNull(ordinal) switch
    {
        string value => DateTime.Parse(value, CultureInfo.InvariantCulture),
        double value => DateTime.FromOADate(value - 2415018.5),
        long value => DateTime.FromOADate(value - 2415018.5),
        var value => Convert.ToDateTime(value, CultureInfo.InvariantCulture),
    };

    public override Guid GetGuid(int ordinal) => NotNull(ordinal) switch
    {
        byte[] { Length: 16 } value => new Guid(value),
        string value => Guid.Parse(value),
        var value => throw new InvalidCastException($"A {value.GetType().Name} is not a GUID."),
    };

    public override long GetBytes(int ordinal, long dataOffset, byte[]? buffer, int bufferOffset, int length)
    {
        var bytes = NotNull(ordinal) as byte[] ?? System.Text.Encoding.UTF8.GetBytes(GetString(ordinal));
        if (buffer is null)
        {
            return bytes.Length;
        }

        var count = (int)Math.Max(0, Math.Min(length, bytes.Length - dataOffset));
        Array.Copy(bytes, dataOffset, buffer, bufferOffset, count);
        return count;
    }

    public override long GetChars(int ordinal, long dataOffset, char[]? buffer, int bufferOffset, int length)
    {
        var text = GetString(ordinal);
        if (buffer is null)
        {
            return text.Length;
        }

        var count = (int)Math.Max(0, Math.Min(length, text.Length - dataOffset));
        text.CopyTo((int)dataOffset, buffer, bufferOffset, count);
        return count;
    }

    public override Stream GetStream(int ordinal) => new MemoryStream((byte[])NotNull(ordinal), writable: false);

    public override T GetFieldValue<T>(int ordinal)
    {
        var value = Row[ordinal];
        if (value is DBNull)
        {
            if (typeof(T) == typeof(DBNull) || typeof(T) == typeof(object))
            {
                return (T)value;
            }

            return default(T) is null ? default! : throw new InvalidCastException($"Column {ordinal} is NULL.");
        }

        if (value is T same)
        {
            return same;
        }

        var type = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        object converted = type switch
        {
            _ when type == typeof(bool) => GetBoolean(ordinal),
            _ when type == typeof(byte) => GetByte(ordinal),
            _ when type == typeof(short) => GetInt16(ordinal),
            _ when type == typeof(int) => GetInt32(ordinal),
            _ when type == typeof(long) => GetInt64(ordinal),
            _ when type == typeof(float) => GetFloat(ordinal),
            _ when type == typeof(double) => GetDouble(ordinal),
            _ when type == typeof(decimal) => GetDecimal(ordinal),
            _ when type == typeof(string) => GetString(ordinal),
            _ when type == typeof(char) => GetChar(ordinal),
            _ when type == typeof(DateTime) => GetDateTime(ordinal),
            _ when type == typeof(DateTimeOffset) => value is string text
                ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture)
                : new DateTimeOffset(GetDateTime(ordinal)),
            _ when type == typeof(TimeSpan) => value is string span
                ? TimeSpan.Parse(span, CultureInfo.InvariantCulture)
                : TimeSpan.FromDays(GetDouble(ordinal)),
            _ when type == typeof(Guid) => GetGuid(ordinal),
            _ when type == typeof(byte[]) => value as byte[] ?? System.Text.Encoding.UTF8.GetBytes(GetString(ordinal)),
            _ when type == typeof(Stream) => GetStream(ordinal),
            _ when type.IsEnum => Enum.ToObject(type, GetInt64(ordinal)),
            _ => Convert.ChangeType(value, type, CultureInfo.InvariantCulture),
        };
        return (T)converted;
    }

    public override IEnumerator GetEnumerator() => new DbEnumerator(this, closeReader: false);

    private object NotNull(int ordinal) =>
        Row[ordinal] is DBNull ? throw new InvalidCastException($"Column {ordinal} is NULL.") : Row[ordinal];
}
