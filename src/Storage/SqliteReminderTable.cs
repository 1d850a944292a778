using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace WorkSessions.Storage;

/// <summary>
/// Durable reminders on SQLite (docs/architecture.md#sqlites-writer): reads run on the caller's pooled connection,
/// upserts and removals queue to the file's <see cref="SqliteWriter"/>. Rows are those the Orleans ADO.NET reminder
/// table wrote with <c>Migrations/sqlite/0002_orleans_reminders.sql</c>, with the same values (the grain id as text, its
/// uniform hash as a signed integer, the start time as Microsoft.Data.Sqlite writes a <see cref="DateTime"/>, the
/// period in milliseconds, the version as the etag), so either reads the other's rows.
/// </summary>
internal sealed class SqliteReminderTable(IOptions<ClusterOptions> cluster, WorkSessionsDatabase database) : IReminderTable
{
    private const string Columns = "SELECT grain_id, reminder_name, start_time, period, version FROM orleans_reminders WHERE service_id = @ServiceId";

    private const string ReadGrainSql = $"{Columns} AND grain_id = @GrainId";

    private const string ReadOneSql = $"{Columns} AND grain_id = @GrainId AND reminder_name = @ReminderName";

    private const string ReadRangeSql = $"{Columns} AND grain_hash > @BeginHash AND grain_hash <= @EndHash";

    private const string ReadWrappedRangeSql = $"{Columns} AND (grain_hash > @BeginHash OR grain_hash <= @EndHash)";

    private const string UpsertSql = """
        INSERT INTO orleans_reminders (service_id, grain_id, reminder_name, start_time, period, grain_hash, version)
        VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 1)
        ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
        SET start_time = excluded.start_time, period = excluded.period, grain_hash = excluded.grain_hash, version = orleans_reminders.version + 1
        RETURNING version
        """;

    private const string RemoveSql =
        "DELETE FROM orleans_reminders WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName AND version = @Version";

    private const string ClearSql = "DELETE FROM orleans_reminders WHERE service_id = @ServiceId";

    private readonly string _serviceId = cluster.Value.ServiceId;
    private readonly SqliteDataSource _reads = (SqliteDataSource)database.DataSource;
    private readonly SqliteWriter _writer = database.Writer ?? throw new ArgumentException("Not a SQLite database.", nameof(database));

    public Task<ReminderTableData> ReadRows(GrainId grainId) =>
        ReadAsync(ReadGrainSql, command => command.Parameters.AddWithValue("@GrainId", grainId.ToString()));

    /// <summary>
    /// The reminders whose grain hash lies in (<paramref name="begin"/>, <paramref name="end"/>] on the ring. Compared as
    /// signed integers, as stored and as Orleans' provider compares them: a range whose begin is not below its end wraps.
    /// </summary>
    public Task<ReminderTableData> ReadRows(uint begin, uint end) =>
        ReadAsync((int)begin < (int)end ? ReadRangeSql : ReadWrappedRangeSql, command =>
        {
            command.Parameters.AddWithValue("@BeginHash", (int)begin);
            command.Parameters.AddWithValue("@EndHash", (int)end);
        });

    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName)
    {
        var rows = await ReadAsync(ReadOneSql, command =>
        {
            command.Parameters.AddWithValue("@GrainId", grainId.ToString());
            command.Parameters.AddWithValue("@ReminderName", reminderName);
        });
        return rows.Reminders.SingleOrDefault();
    }

    public Task<string?> UpsertRow(ReminderEntry entry)
    {
        if (entry.StartAt.Kind is DateTimeKind.Unspecified)
        {
            entry.StartAt = new DateTime(entry.StartAt.Ticks, DateTimeKind.Utc);
        }

        var (grainId, name, startAt, period, hash) =
            (entry.GrainId.ToString(), entry.ReminderName, entry.StartAt, (long)entry.Period.TotalMilliseconds, (int)entry.GrainId.GetUniformHashCode());
        return _writer.RunAsync<string?>(
            statements =>
            {
                var command = statements.Prepare(UpsertSql);
                command.Parameters.AddWithValue("@ServiceId", _serviceId);
                command.Parameters.AddWithValue("@GrainId", grainId);
                command.Parameters.AddWithValue("@ReminderName", name);
                command.Parameters.AddWithValue("@StartTime", startAt);
                command.Parameters.AddWithValue("@Period", period);
                command.Parameters.AddWithValue("@GrainHash", hash);
                return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
            },
            CancellationToken.None);
    }

    /// <summary>Removes the reminder if it is still at the version <paramref name="eTag"/>; false when it is not (or gone).</summary>
    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        var (id, version) = (grainId.ToString(), int.Parse(eTag, CultureInfo.InvariantCulture));
        return _writer.RunAsync(
            statements =>
            {
                var command = statements.Prepare(RemoveSql);
                command.Parameters.AddWithValue("@ServiceId", _serviceId);
                command.Parameters.AddWithValue("@GrainId", id);
                command.Parameters.AddWithValue("@ReminderName", reminderName);
                command.Parameters.AddWithValue("@Version", version);
                return command.ExecuteNonQuery() > 0;
            },
            CancellationToken.None);
    }

    public Task TestOnlyClearTable() => _writer.RunAsync(
        statements =>
        {
            var command = statements.Prepare(ClearSql);
            command.Parameters.AddWithValue("@ServiceId", _serviceId);
            return command.ExecuteNonQuery();
        },
        CancellationToken.None);

    private Task<ReminderTableData> ReadAsync(string sql, Action<SqliteCommand> addParameters)
    {
        try
        {
            using var connection = _reads.OpenSqliteConnection();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.Parameters.AddWithValue("@ServiceId", _serviceId);
            addParameters(command);
            using var reader = command.ExecuteReader();
            var entries = new List<ReminderEntry>();
            while (reader.Read())
            {
                entries.Add(new ReminderEntry
                {
                    GrainId = GrainId.Parse(reader.GetString(0)),
                    ReminderName = reader.GetString(1),
                    StartAt = DateTime.SpecifyKind(reader.GetDateTime(2), DateTimeKind.Utc),
                    Period = TimeSpan.FromMilliseconds(reader.GetInt64(3)),
                    ETag = reader.GetInt32(4).ToString(CultureInfo.InvariantCulture),
                });
            }

            return Task.FromResult(new ReminderTableData(entries));
        }
        catch (Exception exception)
        {
            return Task.FromException<ReminderTableData>(exception);
        }
    }
}
