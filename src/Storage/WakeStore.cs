using Microsoft.Data.Sqlite;
using Npgsql;

namespace WorkSessions.Storage;

/// <summary>
/// The wake shards' members in the grain-state database (<c>ws_wake_members</c>, docs/architecture.md#timers-and-reminders):
/// on SQLite every batch is one more unit of work on the file's <see cref="SqliteWriter"/>, on PostgreSQL one
/// transaction of two array statements. Never in the report database, which may be elsewhere or down.
/// </summary>
internal sealed class WakeStore(WorkSessionsDatabase database, string serviceId) : IWakeStore
{
    private const string SqliteJoinSql = """
        INSERT INTO ws_wake_members (service_id, agent_key, agent_hash, session_id) VALUES (@ServiceId, @AgentKey, @AgentHash, @SessionId)
        ON CONFLICT (service_id, agent_key) DO UPDATE SET agent_hash = excluded.agent_hash, session_id = excluded.session_id
        """;

    private const string SqliteLeaveSql =
        "DELETE FROM ws_wake_members WHERE service_id = @ServiceId AND agent_key = @AgentKey AND session_id = @SessionId";

    private const string PostgresJoinSql = """
        INSERT INTO ws_wake_members (service_id, agent_key, agent_hash, session_id)
        SELECT @service_id, member.agent_key, member.agent_hash, member.session_id
        FROM unnest(@keys, @hashes, @sessions) AS member (agent_key, agent_hash, session_id)
        ON CONFLICT (service_id, agent_key) DO UPDATE SET agent_hash = excluded.agent_hash, session_id = excluded.session_id
        """;

    private const string PostgresLeaveSql = """
        DELETE FROM ws_wake_members AS stored
        USING unnest(@keys, @sessions) AS member (agent_key, session_id)
        WHERE stored.service_id = @service_id AND stored.agent_key = member.agent_key AND stored.session_id = member.session_id
        """;

    private const string ReadRangeSql =
        "SELECT agent_key, agent_hash, session_id FROM ws_wake_members WHERE service_id = @service_id AND agent_hash >= @first AND agent_hash <= @last";

    /// <summary>Leaves first, then joins; an agent named twice in one list counts once, its last entry.</summary>
    public Task ApplyAsync(IReadOnlyCollection<WakeMember> joins, IReadOnlyCollection<WakeMember> leaves, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(joins);
        ArgumentNullException.ThrowIfNull(leaves);
        var (uniqueJoins, uniqueLeaves) = (LastPerAgent(joins), LastPerAgent(leaves));
        if (uniqueJoins.Count == 0 && uniqueLeaves.Count == 0)
        {
            return Task.CompletedTask;
        }

        return database.Writer is { } writer
            ? writer.RunAsync(statements => ApplyOnSqlite(statements, uniqueJoins, uniqueLeaves), cancellationToken)
            : ApplyOnPostgresAsync(uniqueJoins, uniqueLeaves, cancellationToken);
    }

    public async Task<List<WakeMember>> ReadRangeAsync(uint first, uint last, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = ReadRangeSql;
        AddParameter(command, "service_id", serviceId);
        AddParameter(command, "first", (long)first);
        AddParameter(command, "last", (long)last);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var members = new List<WakeMember>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var session = reader.GetValue(2) is Guid guid ? guid : Guid.Parse(reader.GetString(2));
            members.Add(new WakeMember(reader.GetString(0), (uint)reader.GetInt64(1), session));
        }

        return members;
    }

    private static List<WakeMember> LastPerAgent(IReadOnlyCollection<WakeMember> members)
    {
        var last = new Dictionary<string, WakeMember>(StringComparer.Ordinal);
        foreach (var member in members)
        {
            last[member.AgentKey] = member;
        }

        return [.. last.Values];
    }

    private int ApplyOnSqlite(SqliteWriter.Statements statements, List<WakeMember> joins, List<WakeMember> leaves)
    {
        foreach (var member in leaves)
        {
            Bind(statements.Prepare(SqliteLeaveSql), member, withHash: false).ExecuteNonQuery();
        }

        foreach (var member in joins)
        {
            Bind(statements.Prepare(SqliteJoinSql), member, withHash: true).ExecuteNonQuery();
        }

        return joins.Count + leaves.Count;
    }

    private SqliteCommand Bind(SqliteCommand command, WakeMember member, bool withHash)
    {
        command.Parameters.AddWithValue("@ServiceId", serviceId);
        command.Parameters.AddWithValue("@AgentKey", member.AgentKey);
        command.Parameters.AddWithValue("@SessionId", member.SessionId.ToString("D"));
        if (withHash)
        {
            command.Parameters.AddWithValue("@AgentHash", (long)member.AgentHash);
        }

        return command;
    }

    private async Task ApplyOnPostgresAsync(List<WakeMember> joins, List<WakeMember> leaves, CancellationToken cancellationToken)
    {
        await using var connection = (NpgsqlConnection)await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (leaves.Count > 0)
        {
            await using var leave = new NpgsqlCommand(PostgresLeaveSql, connection, transaction);
            leave.Parameters.AddWithValue("service_id", serviceId);
            leave.Parameters.AddWithValue("keys", leaves.Select(member => member.AgentKey).ToArray());
            leave.Parameters.AddWithValue("sessions", leaves.Select(member => member.SessionId).ToArray());
            await leave.ExecuteNonQueryAsync(cancellationToken);
        }

        if (joins.Count > 0)
        {
            // Sorted, so two batches over the same agents take their row locks in one order and cannot deadlock.
            joins.Sort((left, right) => string.CompareOrdinal(left.AgentKey, right.AgentKey));
            await using var join = new NpgsqlCommand(PostgresJoinSql, connection, transaction);
            join.Parameters.AddWithValue("service_id", serviceId);
            join.Parameters.AddWithValue("keys", joins.Select(member => member.AgentKey).ToArray());
            join.Parameters.AddWithValue("hashes", joins.Select(member => (long)member.AgentHash).ToArray());
            join.Parameters.AddWithValue("sessions", joins.Select(member => member.SessionId).ToArray());
            await join.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static void AddParameter(System.Data.Common.DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
