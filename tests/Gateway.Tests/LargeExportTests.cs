using System.Globalization;
using System.Net;
using CsvHelper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// A 100,000-row CSV export streams: the Gateway (in this process) never holds the export, so the managed heap, sampled
/// after a forced collection while the rows arrive, stays within a few pages' worth of the heap before the export.
/// Alone in its collection, on a Gateway of its own, so no other test's allocations land in the samples.
/// </summary>
[Collection(LargeExportCollection.Name)]
public sealed class LargeExportTests(GatewayFixture fixture, ITestOutputHelper output)
{
    private const int Rows = 100_000;

    /// <summary>
    /// Far below the export itself (about 27 MB of CSV, several times that as objects) and far above one streamed page
    /// (1,000 rows, well under 2 MB with its grain-call copies).
    /// </summary>
    private const long AllowedGrowthBytes = 16 * 1024 * 1024;

    private const string Note = "A note long enough that holding every row of the export would show in the heap: 0123456789";

    [Fact]
    public async Task HundredThousandRowExport_StreamsEveryRow_WithBoundedMemory()
    {
        var tenant = fixture.NewTenant();
        var from = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await InsertSessionsAsync(tenant.Id, from);
        var path = $"{Paths.SessionsReport}?{Paths.Range(from, from.AddDays(2))}&format=csv";

        var baseline = HeapAfterCollection();
        var peak = baseline;
        var rows = 0;
        using (var response = await tenant.Supervisor().SendAsync(HttpMethod.Get, path, completion: HttpCompletionOption.ResponseHeadersRead))
        {
            await Http.AssertStatusAsync(response, HttpStatusCode.OK);
            Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
            await using var body = await response.Content.ReadAsStreamAsync();
            using var csv = CsvReader.Create(body, new CsvReaderOptions { Separator = ',', DetectSeparatorHint = false }, false);
            var previous = DateTimeOffset.MinValue;
            while (await csv.ReadAsync(CancellationToken.None))
            {
                var startedAt = DateTimeOffset.Parse(csv.GetString("startedAt"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
                Assert.True(startedAt >= previous, $"Row {rows} is out of start order.");
                Assert.Equal(Note, csv.GetString("note"));
                previous = startedAt;
                if (++rows % 10_000 == 0)
                {
                    peak = Math.Max(peak, HeapAfterCollection());
                }
            }
        }

        Assert.Equal(Rows, rows);
        var growth = peak - baseline;
        output.WriteLine($"{rows} rows; heap {baseline / (1024 * 1024.0):F1} MB before, at most {peak / (1024 * 1024.0):F1} MB while streaming.");
        Assert.True(growth < AllowedGrowthBytes, $"The heap grew by {growth / (1024 * 1024.0):F1} MB while {Rows} rows streamed (baseline {baseline / (1024 * 1024.0):F1} MB).");
    }

    private static long HeapAfterCollection()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>Ended sessions straight into the report table (schema 0003_reporting.sql), one per second from <paramref name="from"/>.</summary>
    private async Task InsertSessionsAsync(string tenantId, DateTimeOffset from)
    {
        var connectionString = fixture.Services.GetRequiredService<IConfiguration>()["Storage:ConnectionString"];
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText =
            "INSERT INTO ws_sessions (session_id, tenant_id, agent_id, started_at_ticks, ended_at_ticks, end_reason, ended_by, prompt_count, "
            + "continue_count, ready_seconds, not_ready_seconds, occupied_seconds, note) "
            + "VALUES (@id, @tenant, @agent, @started, @ended, 'agentEnded', @agent, 1, 1, 600.5, 30.25, 0, @note)";
        var id = insert.Parameters.Add("@id", SqliteType.Text);
        insert.Parameters.AddWithValue("@tenant", tenantId);
        var agent = insert.Parameters.Add("@agent", SqliteType.Text);
        var started = insert.Parameters.Add("@started", SqliteType.Integer);
        var ended = insert.Parameters.Add("@ended", SqliteType.Integer);
        insert.Parameters.AddWithValue("@note", Note);
        await insert.PrepareAsync();
        for (var i = 0; i < Rows; i++)
        {
            id.Value = Guid.NewGuid().ToString("D");
            agent.Value = "agent-" + (i % 500).ToString(CultureInfo.InvariantCulture);
            started.Value = from.AddSeconds(i).UtcTicks;
            ended.Value = from.AddSeconds(i + 630.75).UtcTicks;
            await insert.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }
}

/// <summary>The large export's own Gateway, run after the parallel collections so the heap it samples is its own.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LargeExportCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "large-export";
}
