using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace WorkSessions.Storage;

/// <summary>
/// Grain state on SQLite (docs/architecture.md#sqlites-writer): reads run on the caller's pooled connection, writes
/// queue to the file's <see cref="SqliteWriter"/> and complete once committed. Rows are those the Orleans ADO.NET
/// provider wrote with <c>Migrations/sqlite/0001_orleans_storage.sql</c>, keyed the way it keys them, with the
/// payload of the silo's <see cref="IGrainStorageSerializer"/> and the row's version as the etag: either reads the
/// other's rows. A write that names a version other than the stored one changes nothing and throws
/// <see cref="InconsistentStateException"/>, as does a first write (no etag) of a grain whose row exists. A clear keeps
/// the row with no payload and a new version, so a stale writer still conflicts.
/// </summary>
internal sealed class SqliteGrainStorage(
    string name,
    string serviceId,
    WorkSessionsDatabase database,
    IGrainStorageSerializer serializer,
    IActivatorProvider activators) : IGrainStorage
{
    private const string Key = """
        service_id = @ServiceId AND grain_type = @GrainType AND grain_id_n0 = @N0 AND grain_id_n1 = @N1 AND grain_id_extension = @Extension
        """;

    private const string Now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

    private const string ReadSql = $"SELECT payload, version FROM orleans_grain_state WHERE {Key}";

    private const string UpdateSql =
        $"UPDATE orleans_grain_state SET payload = @Payload, version = version + 1, modified_at = {Now} WHERE {Key} AND version = @Version RETURNING version";

    private const string InsertSql = $"""
        INSERT INTO orleans_grain_state (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension, payload, version, modified_at)
        VALUES (@ServiceId, @GrainType, @N0, @N1, @Extension, @Payload, 1, {Now})
        ON CONFLICT DO NOTHING RETURNING version
        """;

    private const string ClearSql =
        $"UPDATE orleans_grain_state SET payload = NULL, version = version + 1, modified_at = {Now} WHERE {Key} AND version = @Version RETURNING version";

    private readonly SqliteDataSource _reads = (SqliteDataSource)database.DataSource;
    private readonly SqliteWriter _writer = database.Writer ?? throw new ArgumentException("Not a SQLite database.", nameof(database));

    /// <summary>The provider <paramref name="name"/> of the silo, as Orleans' <c>AddGrainStorage</c> creates it.</summary>
    public static SqliteGrainStorage Create(IServiceProvider services, string name) => new(
        name,
        services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
        services.GetRequiredService<WorkSessionsDatabase>(),
        services.GetRequiredService<IGrainStorageSerializer>(),
        services.GetRequiredService<IActivatorProvider>());

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        try
        {
            var row = RowKey.Of(serviceId, stateName, grainId);
            using var connection = _reads.OpenSqliteConnection();
            using var command = connection.CreateCommand();
            command.CommandText = ReadSql;
            row.AddTo(command);
            using var reader = command.ExecuteReader();
            var found = reader.Read();
            var payload = found && !reader.IsDBNull(0) ? (byte[])reader.GetValue(0) : null;
            grainState.State = payload is null ? NewState<T>() : serializer.Deserialize<T>(new BinaryData(payload));
            grainState.ETag = found ? reader.GetInt32(1).ToString(CultureInfo.InvariantCulture) : null;
            grainState.RecordExists = payload is not null;
            return Task.CompletedTask;
        }
        catch (Exception exception)
        {
            return Task.FromException(exception);
        }
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var row = RowKey.Of(serviceId, stateName, grainId);
        var version = Version(grainState.ETag);
        // Serialized on the caller's thread: the writer's thread does nothing but SQLite.
        var payload = Bytes(serializer.Serialize(grainState.State));
        var stored = await _writer.RunAsync(
            statements =>
            {
                // Every transition writes here: the statement keeps its parameter objects, and only their values change.
                var command = version is null
                    ? statements.PrepareWithParameters(InsertSql, RowKey.Names)
                    : statements.PrepareWithParameters(UpdateSql, RowKey.NamesWithVersion);
                row.SetIn(command.Parameters);
                command.Parameters[RowKey.Names.Length - 1].Value = payload;
                if (version is not null)
                {
                    command.Parameters[RowKey.Names.Length].Value = version.Value;
                }

                return NewVersion(command);
            },
            CancellationToken.None);

        grainState.ETag = Checked("WriteState", stored, grainState.ETag, row);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        // As Orleans' provider does: a grain that never read its state learns whether there is anything to clear.
        if (!grainState.RecordExists && string.IsNullOrWhiteSpace(grainState.ETag))
        {
            await ReadStateAsync(stateName, grainId, grainState);
            if (!grainState.RecordExists)
            {
                return;
            }
        }

        var row = RowKey.Of(serviceId, stateName, grainId);
        var version = Version(grainState.ETag);
        var stored = await _writer.RunAsync(
            statements =>
            {
                var command = statements.Prepare(ClearSql);
                row.AddTo(command);
                command.Parameters.AddWithValue("@Version", version is null ? DBNull.Value : version.Value);
                return NewVersion(command);
            },
            CancellationToken.None);

        grainState.ETag = Checked("ClearState", stored, grainState.ETag, row);
        grainState.RecordExists = false;
        grainState.State = NewState<T>();
    }

    /// <summary>The serializer's bytes, not copied again when they are one whole array (System.Text.Json's are).</summary>
    private static byte[] Bytes(BinaryData data) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(data.ToMemory(), out var segment)
            && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : data.ToArray();

    private static int? Version(string? etag) =>
        string.IsNullOrWhiteSpace(etag) ? null : int.Parse(etag, CultureInfo.InvariantCulture);

    private static string? NewVersion(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        return reader.Read() ? reader.GetInt32(0).ToString(CultureInfo.InvariantCulture) : null;
    }

    /// <summary>The stored version, or the conflict Orleans' ADO.NET provider reports (the same message).</summary>
    private string Checked(string operation, string? stored, string? etag, RowKey row) =>
        stored is null || stored == etag
            ? throw new InconsistentStateException(
                $"Version conflict ({operation}): ServiceId={serviceId} ProviderName={name} GrainType={row.GrainType} GrainId={row} ETag={etag}.")
            : stored;

    private T NewState<T>() => activators.GetActivator<T>().Create();

    /// <summary>
    /// A grain's row as the Orleans ADO.NET provider keys it (its <c>AdoGrainKey</c>): a Guid key as its two 64-bit
    /// halves, an integer key in the second, a string key in the extension column; a compound key's extension too.
    /// </summary>
    private readonly record struct RowKey(string ServiceId, string GrainType, long N0, long N1, string Extension)
    {
        public static RowKey Of(string serviceId, string stateName, GrainId grainId)
        {
            // Orleans strips a generic arity ("`1[...]") from the state name; none of ours has one (StateNames).
            if (stateName.Contains('`', StringComparison.Ordinal))
            {
                throw new ArgumentException($"State name '{stateName}' is not a plain name.", nameof(stateName));
            }

            if (grainId.TryGetGuidKey(out var guid, out var guidExtension))
            {
                Span<byte> bytes = stackalloc byte[16];
                guid.TryWriteBytes(bytes);
                return new(serviceId, stateName, BitConverter.ToInt64(bytes[..8]), BitConverter.ToInt64(bytes[8..]), guidExtension ?? "");
            }

            if (grainId.TryGetIntegerKey(out var integer, out var integerExtension))
            {
                return new(serviceId, stateName, 0, integer, integerExtension ?? "");
            }

            return new(serviceId, stateName, 0, 0, grainId.Key.ToString()!);
        }

        /// <summary>
        /// The parameters of a row write, in the order <see cref="SetIn"/> fills them; the payload's is last.
        /// </summary>
        public static readonly string[] Names = ["@ServiceId", "@GrainType", "@N0", "@N1", "@Extension", "@Payload"];

        /// <summary><see cref="Names"/> and the version an update expects.</summary>
        public static readonly string[] NamesWithVersion = [.. Names, "@Version"];

        /// <summary>Sets the key's values in the first parameters of <see cref="Names"/>.</summary>
        public void SetIn(SqliteParameterCollection parameters)
        {
            parameters[0].Value = ServiceId;
            parameters[1].Value = GrainType;
            parameters[2].Value = N0;
            parameters[3].Value = N1;
            parameters[4].Value = Extension;
        }

        public void AddTo(SqliteCommand command)
        {
            command.Parameters.AddWithValue("@ServiceId", ServiceId);
            command.Parameters.AddWithValue("@GrainType", GrainType);
            command.Parameters.AddWithValue("@N0", N0);
            command.Parameters.AddWithValue("@N1", N1);
            command.Parameters.AddWithValue("@Extension", Extension);
        }

        public override string ToString() => Extension.Length > 0 && N0 == 0 && N1 == 0 ? Extension : $"{N0}/{N1}/{Extension}";
    }
}
