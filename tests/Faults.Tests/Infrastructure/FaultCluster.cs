using Npgsql;
using WorkSessions.Gateway.Auth;
using WorkSessions.TestSupport;

namespace WorkSessions.Faults.Tests.Infrastructure;

/// <summary>
/// Three silos and two client-mode Gateways on a PostgreSQL of their own, all real processes on loopback, with the short
/// minimums that let a tenant set a timeout of seconds.
/// </summary>
internal sealed class FaultCluster : IAsyncDisposable
{
    public const string SigningKey = "fault-suite-signing-key-0123456789-abcdef";
    public const string Issuer = "work-sessions-faults";
    public const string Audience = "work-sessions-faults-api";
    public const string ClusterId = "faults";

    /// <summary>Orleans' membership status of a silo that left or was declared dead.</summary>
    public const int DeadStatus = 6;

    /// <summary>Orleans' membership status of a silo that serves.</summary>
    public const int ActiveStatus = 3;

    private readonly string _directory = Directory.CreateTempSubdirectory("ws-faults-").FullName;

    private readonly string[] _siloSettings;

    private FaultCluster(ThrowawayPostgres postgres, string database, string[] siloSettings)
    {
        _siloSettings = siloSettings;
        Postgres = postgres;
        Database = database;
        // The suite's own queries open a fresh connection each time: pooled ones die with a database restart.
        _queries = new NpgsqlConnectionStringBuilder(database) { Pooling = false }.ConnectionString;
    }

    private readonly string _queries;

    /// <summary>Gateways killed and replaced, kept for their output.</summary>
    private readonly List<GatewayProcess> _replaced = [];

    public ThrowawayPostgres Postgres { get; }

    /// <summary>The database the cluster uses: the server's own, created empty by initdb.</summary>
    public string Database { get; }

    public List<SiloProcess> Silos { get; } = [];

    public GatewayProcess[] Gateways { get; } = new GatewayProcess[2];

    public TokenIssuer Tokens { get; } = new(new AuthOptions { SigningKey = SigningKey, Issuer = Issuer, Audience = Audience }, TimeProvider.System);

    /// <summary>Starts PostgreSQL, then all processes at once on the empty database (they migrate once between them).</summary>
    /// <param name="silos">How many silos (the suite runs 3).</param>
    /// <param name="siloSettings">Settings every silo gets besides the suite's, as <c>--Key=value</c>.</param>
    public static async Task<FaultCluster> StartAsync(int silos = 3, params string[] siloSettings)
    {
        var postgres = await ThrowawayPostgres.StartAsync();
        var cluster = new FaultCluster(postgres, postgres.ConnectionString, siloSettings);
        try
        {
            var starting = Enumerable.Range(0, silos).Select(_ => cluster.StartSiloAsync()).ToList();
            var gateways = Enumerable.Range(0, 2).Select(index => cluster.StartGatewayAsync(index)).ToList();
            await Task.WhenAll(starting);
            await Task.WhenAll(gateways);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async Task<SiloProcess> StartSiloAsync()
    {
        var silo = await SiloProcess.StartAsync(
            _directory,
            [
                "--Storage:Provider=postgres",
                $"--Storage:ConnectionString={Database}",
                $"--Orleans:ClusterId={ClusterId}",
                "--WorkSessions:MinimumInactivityTimeoutSeconds=1",
                "--WorkSessions:MinimumGracePeriodSeconds=1",
                .. _siloSettings,
            ]);
        lock (Silos)
        {
            Silos.Add(silo);
        }

        return silo;
    }

    public async Task StartGatewayAsync(int index)
    {
        if (Gateways[index] is { } replaced)
        {
            _replaced.Add(replaced);
        }

        Gateways[index] = await GatewayProcess.StartAsync(
            "Production",
            [
                "Orleans:Mode=client",
                "Storage:Provider=postgres",
                $"Storage:ConnectionString={Database}",
                $"Orleans:ClusterId={ClusterId}",
                $"Auth:SigningKey={SigningKey}",
                $"Auth:Issuer={Issuer}",
                $"Auth:Audience={Audience}",
            ]);
    }

    /// <summary>Waits until both Gateways answer ready, with a bound only a broken start needs.</summary>
    public async Task WaitGatewaysReadyAsync()
    {
        await WaitGatewayReadyAsync(0);
        await WaitGatewayReadyAsync(1);
    }

    /// <summary>Waits until the Gateway answers ready, with a bound only a broken start needs.</summary>
    public Task WaitGatewayReadyAsync(int index) => Gateways[index].WaitUntilReadyAsync(TimeSpan.FromSeconds(90));

    /// <summary>The membership status of the silo's newest row, or null before it has one.</summary>
    public async Task<int?> MembershipStatusAsync(SiloProcess silo)
    {
        await using var connection = new NpgsqlConnection(_queries);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT status FROM orleans_membership WHERE deployment_id = @cluster AND port = @port ORDER BY generation DESC LIMIT 1", connection);
        command.Parameters.AddWithValue("cluster", ClusterId);
        command.Parameters.AddWithValue("port", silo.SiloPort);
        return await command.ExecuteScalarAsync() as int?;
    }

    /// <summary>The stored state of every agent grain, by grain key (<c>tenant/agent</c>), as JSON.</summary>
    public async Task<Dictionary<string, string>> AgentStatesAsync()
    {
        await using var connection = new NpgsqlConnection(_queries);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT grain_id_extension, convert_from(payload, 'UTF8') FROM orleans_grain_state WHERE grain_type = 'agent' AND payload IS NOT NULL",
            connection);
        var states = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            states[reader.GetString(0)] = reader.GetString(1);
        }

        return states;
    }

    /// <summary>Every process's output, for a failure message.</summary>
    public string Logs()
    {
        var logs = new System.Text.StringBuilder();
        foreach (var silo in Silos)
        {
            logs.AppendLine($"--- silo {silo.SiloPort} ---").AppendLine(Tail(silo.Output));
        }

        foreach (var gateway in Gateways.Where(gateway => gateway is not null).Concat(_replaced))
        {
            // A 500 is logged with its exception: every such line, not only the tail.
            var failures = gateway.Output.Split('\n').Where(line => line.Contains(" failed", StringComparison.Ordinal) && line.Contains("Request ", StringComparison.Ordinal));
            logs.AppendLine($"--- gateway {gateway.Port}: failed requests ---").AppendJoin('\n', failures.Take(20)).AppendLine();
            logs.AppendLine($"--- gateway {gateway.Port} ---").AppendLine(Tail(gateway.Output));
        }

        return logs.ToString();

        static string Tail(string output) => output.Length > 4000 ? output[^4000..] : output;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var gateway in Gateways.Where(gateway => gateway is not null).Concat(_replaced))
        {
            await gateway.DisposeAsync();
        }

        foreach (var silo in Silos)
        {
            await silo.DisposeAsync();
        }

        await Postgres.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    }
}
