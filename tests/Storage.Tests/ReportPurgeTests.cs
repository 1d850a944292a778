using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using WorkSessions.Contracts;
using WorkSessions.Domain;
using WorkSessions.Storage.Tests.Infrastructure;
using WorkSessions.TestSupport;
using Xunit.Abstractions;

namespace WorkSessions.Storage.Tests;

/// <summary>The retention purge deletes in chunks, each its own transaction, until nothing older than the cutoff is left.</summary>
public abstract class ReportPurgeTests<TTarget>(TTarget target) : IClassFixture<TTarget>
    where TTarget : StorageTarget
{
    private static readonly DateTimeOffset Cutoff = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Purge_OfMoreRowsThanAChunk_DeletesEverythingOlderThanTheCutoff_AndNothingNewer()
    {
        var settings = await target.CreateDatabaseAsync();
        await StorageTarget.MigrateAsync(settings);
        await using var database = WorkSessionsDatabase.Open(StorageTarget.ToOptions(settings));
        var store = new ReportStore(database);
        var tenant = TestIds.NewTenantId();
        var oldEvents = (store.PurgeChunkRows * 2) + 7;
        var oldSessions = store.PurgeChunkRows + 3;
        await SeedAsync(target, settings, tenant, oldEvents, oldSessions, Cutoff.AddTicks(-1));
        await SeedAsync(target, settings, tenant, events: 5, sessions: 4, Cutoff);

        var deleted = await store.PurgeAsync(Cutoff, CancellationToken.None);

        Assert.Equal(oldEvents + oldSessions, deleted);
        Assert.Equal(5L, Convert.ToInt64(await target.ScalarAsync("SELECT count(*) FROM ws_events", settings)));
        Assert.Equal(4L, Convert.ToInt64(await target.ScalarAsync("SELECT count(*) FROM ws_sessions", settings)));
        Assert.Equal(0, await store.PurgeAsync(Cutoff, CancellationToken.None));
    }

    /// <summary>Events and ended sessions of one tenant at <paramref name="at"/>, inserted by the database itself.</summary>
    internal static Task SeedAsync(StorageTarget target, IReadOnlyDictionary<string, string?> settings, string tenant, int events, int sessions, DateTimeOffset at)
    {
        var prefix = Guid.NewGuid().ToString("N")[..8];
        var ticks = at.UtcTicks;
        return target.Provider == StorageProvider.Postgres
            ? target.ScalarAsync(
                $"""
                INSERT INTO ws_events (event_id, tenant_id, agent_id, session_id, at_ticks, kind)
                SELECT '{prefix}-' || i, '{tenant}', 'agent-' || (i % 1000), 's-{prefix}-' || (i / 20), {ticks}, 'statusChanged'
                FROM generate_series(1, {events}) AS i;
                INSERT INTO ws_sessions (session_id, tenant_id, agent_id, started_at_ticks, ended_at_ticks, end_reason)
                SELECT 's-{prefix}-' || i, '{tenant}', 'agent-' || (i % 1000), {ticks}, {ticks}, 'agentEnded'
                FROM generate_series(1, {sessions}) AS i;
                SELECT 0;
                """,
                settings)
            : target.ScalarAsync(
                $"""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {events})
                INSERT INTO ws_events (event_id, tenant_id, agent_id, session_id, at_ticks, kind)
                SELECT '{prefix}-' || i, '{tenant}', 'agent-' || (i % 1000), 's-{prefix}-' || (i / 20), {ticks}, 'statusChanged' FROM n;
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {sessions})
                INSERT INTO ws_sessions (session_id, tenant_id, agent_id, started_at_ticks, ended_at_ticks, end_reason)
                SELECT 's-{prefix}-' || i, '{tenant}', 'agent-' || (i % 1000), {ticks}, {ticks}, 'agentEnded' FROM n;
                SELECT 0;
                """,
                settings);
    }
}

public sealed class SqliteReportPurgeTests(SqliteTarget target, ITestOutputHelper output) : ReportPurgeTests<SqliteTarget>(target)
{
    private readonly SqliteTarget _target = target;

    /// <summary>
    /// A year's purge (300,000 events, 30,000 sessions) while a storm of agent state writes goes through the silo's SQLite
    /// writer, with a busy timeout of one second. Deleted in one transaction, the purge held SQLite's write lock for seconds
    /// and the writer's next transaction gave up after the busy timeout, failing every write of its batch.
    /// </summary>
    [Fact]
    public async Task LargePurge_DuringAStormOfStateWrites_FailsNoWrite()
    {
        var settings = new Dictionary<string, string?>(await _target.CreateDatabaseAsync());
        settings["Storage:ConnectionString"] += ";Default Timeout=1";
        await using var silo = await TestSilo.StartAsync(settings, TestIds.New("purge"), TestIds.New("purge"));
        var store = silo.Services.GetRequiredService<ReportStore>();
        var tenant = TestIds.NewTenantId();
        const int OldEvents = 300_000;
        const int OldSessions = 30_000;
        await SeedAsync(_target, settings, tenant, OldEvents, OldSessions, new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

        using var stop = new CancellationTokenSource();
        var failures = new ConcurrentQueue<Exception>();
        var writes = 0;
        var writesDuringPurge = 0;
        var longestTicks = 0L;
        var purging = 0;
        async Task WriteLoopAsync(int writer)
        {
            // Each writer writes 50 agents in turn, each with the etag of its last write, as their grains would.
            var agents = Enumerable.Range(0, 50)
                .Select(i => (Id: GrainId.Create("agent", AgentKey.Format(tenant, $"agent-{writer}-{i}")),
                    State: new GrainState<AgentGrainState>(new AgentGrainState { Agent = new AgentState { Status = AgentStatus.Ready } })))
                .ToArray();
            for (var round = 0; !stop.IsCancellationRequested; round++)
            {
                var (grainId, state) = agents[round % agents.Length];
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await silo.GrainStorage.WriteStateAsync(StateNames.Agent, grainId, state);
                    Interlocked.Increment(ref writes);
                    if (Volatile.Read(ref purging) == 1)
                    {
                        Interlocked.Increment(ref writesDuringPurge);
                    }
                }
                catch (Exception exception)
                {
                    failures.Enqueue(exception);
                }

                var took = Stopwatch.GetTimestamp() - started;
                for (var longest = Interlocked.Read(ref longestTicks); took > longest; longest = Interlocked.Read(ref longestTicks))
                {
                    Interlocked.CompareExchange(ref longestTicks, took, longest);
                }
            }
        }

        var storm = Enumerable.Range(0, 64).Select(writer => Task.Run(() => WriteLoopAsync(writer))).ToArray();
        await Eventually.UntilAsync(() => Volatile.Read(ref writes) >= 500, TimeSpan.FromSeconds(60), "the storm to get going");
        Interlocked.Exchange(ref longestTicks, 0);
        var purge = Stopwatch.StartNew();
        Volatile.Write(ref purging, 1);
        var deleted = await store.PurgeAsync(DateTimeOffset.UtcNow.AddDays(-90), CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(5));
        Volatile.Write(ref purging, 0);
        purge.Stop();
        await stop.CancelAsync();
        await Task.WhenAll(storm).WaitAsync(TimeSpan.FromSeconds(60));

        var longest = Stopwatch.GetElapsedTime(0, Interlocked.Read(ref longestTicks));
        output.WriteLine(
            $"purge: {deleted:N0} rows in {purge.Elapsed.TotalSeconds:N1} s; writes: {writes:N0} ({writesDuringPurge:N0} during the purge), "
            + $"{failures.Count:N0} failed, longest {longest.TotalMilliseconds:N0} ms");
        Assert.Equal(OldEvents + OldSessions, deleted);
        Assert.True(failures.IsEmpty, $"{failures.Count} writes failed during the purge, the first: {failures.FirstOrDefault()}");
        Assert.True(writesDuringPurge > 0, "no write went while the purge ran");
    }
}

public sealed class PostgresReportPurgeTests(PostgresTarget target) : ReportPurgeTests<PostgresTarget>(target);
