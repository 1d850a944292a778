using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using WorkSessions;
using WorkSessions.Contracts;
using WorkSessions.Hosting;

// Measures one in-process silo with the product's storage (SQLite in a temp folder by default, or PostgreSQL with
// --postgres CONNECTION_STRING). Modes (their figures in bench/HISTORY.md):
//   hot [agents] [seconds]  heartbeats/s from 64 callers, session starts/s, managed memory per open session (default)
//   lifecycle [agents]      start → warn → continue → end for every agent: the grain work per lifecycle and the warning storm
//   reporting [agents]      with reporting on: delivery of the lifecycles' events, and the feed's lag (transition → readable)
//   tenant [agents]         one tenant with every agent's session open: a preference change's answer and its reach to
//                           every session, and what a roster change costs the tenant's stored row
//   suite ...               the benchmark suite of bench/Suite (bash bench/run.sh runs it; see bench/RESULTS.md)
//   peers [agents] [--postgres CONNECTION_STRING]  what teams build instead, without the silo (bench/Peers/Peers.cs)
//   storm [agents] [timeout] every agent's inactivity deadline within ~0.4 s: how late the warnings and the auto-ends come
// Usage: dotnet run -c Release --project bench -- [mode] [agents] [seconds] [--postgres CONNECTION_STRING]
if (args is ["suite", .. var suiteArgs])
{
    return await WorkSessions.Bench.Suite.SuiteCommand.RunAsync(suiteArgs);
}

if (args.Length > 0 && args[0] == "peers")
{
    return await WorkSessions.Bench.Peers.Peers.RunAsync(args[1..]);
}

var postgres = OptionValue(ref args, "--postgres");
var mode = args.Length > 0 && !char.IsDigit(args[0][0]) ? args[0] : "hot";
var numbers = args.Where(a => char.IsDigit(a[0])).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray();
var agents = numbers.Length > 0 ? numbers[0] : 10_000;
var seconds = numbers.Length > 1 ? numbers[1] : 10;
const int Callers = 64;
const string Tenant = "bench";

var dataDirectory = Directory.CreateTempSubdirectory("work-sessions-bench-");
var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Storage:Provider"] = postgres is null ? "sqlite" : "postgres",
    ["Storage:ConnectionString"] = postgres ?? $"Data Source={Path.Combine(dataDirectory.FullName, "bench.db")}",
    ["Orleans:SiloPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
    ["Orleans:GatewayPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
    ["Orleans:ServiceId"] = "bench-" + Guid.NewGuid().ToString("N")[..8],
    ["WorkSessions:MinimumInactivityTimeoutSeconds"] = "1",
    ["WorkSessions:MinimumGracePeriodSeconds"] = "1",
});
builder.UseOrleans(silo => silo.UseWorkSessionsCluster(builder.Configuration));
using var host = builder.Build();
await host.StartAsync();
var grains = host.Services.GetRequiredService<IGrainFactory>();
var tenant = Tenant + "-" + Guid.NewGuid().ToString("N")[..8];
Console.WriteLine($"mode {mode}, {agents:N0} agents, {(postgres is null ? "SQLite" : "PostgreSQL")}, {Environment.ProcessorCount} cores");

switch (mode)
{
    case "hot":
        await HotPathsAsync();
        break;
    case "lifecycle":
        await LifecyclesAsync();
        break;
    case "reporting":
        await LifecyclesAsync();
        await ReportingAsync();
        break;
    case "tenant":
        await TenantAsync();
        break;
    case "storm":
        await StormAsync();
        break;
    default:
        Console.Error.WriteLine($"unknown mode '{mode}': hot, lifecycle, reporting, tenant or storm");
        return 2;
}

await host.StopAsync();
dataDirectory.Delete(recursive: true);
return 0;

async Task HotPathsAsync()
{
    await grains.GetTenantGrain(tenant).UpdatePreferences(new WorkSessionPreferences(true, true, 1800, 180), null, "bench");
    var memoryBefore = ManagedMemory();
    var startWatch = Stopwatch.StartNew();
    await Parallel.ForEachAsync(Enumerable.Range(0, agents), new ParallelOptions { MaxDegreeOfParallelism = Callers },
        async (i, _) => await Agent(i).StartSession(AgentStatus.Ready, null));
    startWatch.Stop();
    var memoryPerAgent = (ManagedMemory() - memoryBefore) / agents;

    var heartbeats = 0L;
    var deadline = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, Callers).Select(caller => Task.Run(async () =>
    {
        var random = new Random(caller);
        while (deadline.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            await Agent(random.Next(agents)).RecordActivity();
            Interlocked.Increment(ref heartbeats);
        }
    })));

    Console.WriteLine($"session starts: {agents / startWatch.Elapsed.TotalSeconds:N0}/s ({startWatch.Elapsed.TotalSeconds:N1} s)");
    Console.WriteLine($"heartbeats: {heartbeats / deadline.Elapsed.TotalSeconds:N0}/s over {deadline.Elapsed.TotalSeconds:N1} s, {Callers} concurrent callers");
    Console.WriteLine($"managed memory per agent with an open session: {memoryPerAgent / 1024.0:N1} KiB");
}

// Every agent: start, (idle) warned by its timer, continue, end. The idle second is not the system's cost, so the
// figure is the time of the three command phases per lifecycle, plus how late the storm of warnings came.
async Task LifecyclesAsync()
{
    await grains.GetTenantGrain(tenant).UpdatePreferences(new WorkSessionPreferences(true, true, 2, 60), null, "bench");
    var starts = await PhaseAsync(i => Agent(i).StartSession(AgentStatus.Ready, null));
    var warnedViews = await WaitForAllAsync(view => view.State == SessionState.Warned, TimeSpan.FromMinutes(2));
    var lateness = warnedViews.Select(view => (view.Prompt!.WarnedAt - (view.Session!.LastActivityAt + TimeSpan.FromSeconds(2))).TotalMilliseconds).Order().ToArray();
    var continues = await PhaseAsync(i => Agent(i).Continue());
    var ends = await PhaseAsync(i => Agent(i).EndSession(Actor.Agent($"agent-{i}"), null));
    var commandSeconds = (starts + continues + ends).TotalSeconds;
    Console.WriteLine($"lifecycles: {agents:N0}; start {starts.TotalSeconds:N2} s, continue {continues.TotalSeconds:N2} s, end {ends.TotalSeconds:N2} s");
    Console.WriteLine($"grain work per lifecycle (3 commands, {Callers} callers): {commandSeconds * 1000 / agents:N3} ms; lifecycles/s: {agents / commandSeconds:N0}");
    Console.WriteLine($"warning lateness after the deadline: p50 {Percentile(lateness, 0.5):N0} ms, p99 {Percentile(lateness, 0.99):N0} ms, max {lateness[^1]:N0} ms");
}

// The deadline storm: start every session with a timeout long enough to cover the starts, then one heartbeat per agent
// as fast as 64 callers go, so every inactivity deadline (last activity + timeout) falls within that short window. The
// warnings and auto-ends are read back from the report feed: lateness = warnedAt − deadline, endedAt − grace deadline.
async Task StormAsync()
{
    // Long enough to cover the starts on a busy machine; `storm AGENTS SECONDS` sets it.
    var timeout = TimeSpan.FromSeconds(numbers.Length > 1 ? seconds : 10 + agents / 500);
    var grace = TimeSpan.FromSeconds(2);
    await grains.GetTenantGrain(tenant).UpdatePreferences(new WorkSessionPreferences(true, true, (int)timeout.TotalSeconds, (int)grace.TotalSeconds), null, "bench");
    var starts = await PhaseAsync(i => Agent(i).StartSession(AgentStatus.Ready, null));
    var heartbeats = await PhaseAsync(i => Agent(i).RecordActivity());
    var views = await Task.WhenAll(Enumerable.Range(0, agents).Select(i => Agent(i).GetSnapshot()));
    if (views.Any(view => view.State != SessionState.Active))
    {
        Console.WriteLine($"the starts ({starts.TotalSeconds:N1} s) outlasted the {timeout.TotalSeconds:N0} s timeout: some agents were warned before the heartbeats");
        return;
    }

    var deadlines = views.ToDictionary(view => view.AgentId, view => view.Session!.LastActivityAt + timeout);
    var spread = deadlines.Values.Max() - deadlines.Values.Min();
    Console.WriteLine($"session starts: {agents / starts.TotalSeconds:N0}/s ({starts.TotalSeconds:N1} s); heartbeats {heartbeats.TotalSeconds:N2} s; deadlines within {spread.TotalSeconds:N2} s");

    var reports = grains.GetReportGrain(tenant);
    var warnings = new Dictionary<string, WorkSessions.Contracts.Reports.FeedEvent>();
    var ends = new Dictionary<string, WorkSessions.Contracts.Reports.FeedEvent>();
    var after = await reports.GetLatestPosition();
    var wait = Stopwatch.StartNew();
    while (ends.Count < agents && wait.Elapsed < timeout + TimeSpan.FromMinutes(3))
    {
        var page = await reports.GetEvents(after, 1000);
        foreach (var e in page.Items)
        {
            if (e.AgentId is { } agentId && e.Kind == WorkSessions.Contracts.Reports.FeedEventKinds.InactivityWarning)
            {
                warnings[agentId] = e;
            }
            else if (e.AgentId is { } endedId && e.Kind == WorkSessions.Contracts.Reports.FeedEventKinds.SessionEnded)
            {
                ends[endedId] = e;
            }
        }

        after = page.Items.Count > 0 ? page.Items[^1].Position : after;
        if (page.NextCursor is null)
        {
            await Task.Delay(200);
        }
    }

    var warningLateness = warnings.Select(w => (w.Value.At - deadlines[w.Key]).TotalMilliseconds).Order().ToArray();
    var endLateness = ends.Where(e => warnings.ContainsKey(e.Key))
        .Select(e => (e.Value.Session!.EndedAt - warnings[e.Key].Deadline!.Value).TotalMilliseconds).Order().ToArray();
    Console.WriteLine($"storm: {warnings.Count:N0} warned, {ends.Count:N0} ended (timeout {timeout.TotalSeconds:N0} s, grace {grace.TotalSeconds:N0} s)");
    Console.WriteLine($"warning lateness (warnedAt − deadline): p50 {Percentile(warningLateness, 0.5):N0} ms, p99 {Percentile(warningLateness, 0.99):N0} ms, max {warningLateness.LastOrDefault():N0} ms");
    Console.WriteLine($"auto-end lateness (endedAt − grace deadline): p50 {Percentile(endLateness, 0.5):N0} ms, p99 {Percentile(endLateness, 0.99):N0} ms, max {endLateness.LastOrDefault():N0} ms");
}

async Task ReportingAsync()
{
    // Delivery: from the last end's return until every session record has arrived (ended) and the feed stops growing.
    var reports = grains.GetReportGrain(tenant);
    var range = WorkSessions.Contracts.Reports.ReportRange.Create(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1));
    var delivery = Stopwatch.StartNew();
    while (delivery.Elapsed < TimeSpan.FromMinutes(3))
    {
        var ended = 0;
        string? cursor = null;
        do
        {
            var page = await reports.GetSessions(new SessionQuery(range, null, null, cursor, 1000));
            ended += page.Items.Count(s => s.EndedAt is not null);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        if (ended >= agents)
        {
            break;
        }

        await Task.Delay(50);
    }

    var deliveredIn = delivery.Elapsed;
    long stored = 0;
    for (var after = 0L; ;)
    {
        var page = await reports.GetEvents(after, 1000);
        stored += page.Items.Count;
        if (page.NextCursor is null)
        {
            break;
        }

        after = page.Items[^1].Position;
    }

    Console.WriteLine($"events in the feed: {stored:N0}; every session record stored {deliveredIn.TotalSeconds:N2} s after the last end returned");

    // The delivery ceiling: the store's insert rate in the writer's batches of 500, 100 agents' events interleaved.
    var store = host.Services.GetRequiredService<WorkSessions.Storage.ReportStore>();
    var insertTenant = tenant + "-inserts";
    var inserted = 0;
    var insertWatch = Stopwatch.StartNew();
    for (var batch = 0; batch < 40; batch++)
    {
        var entries = Enumerable.Range(0, 500).Select(i => new WorkSessions.Reporting.ReportEntry(
            Guid.CreateVersion7(), insertTenant, $"agent-{i % 100}", Guid.NewGuid(), DateTimeOffset.UtcNow,
            WorkSessions.Contracts.Reports.FeedEventKinds.StatusChanged, AgentStatus.Ready, AgentStatus.NotReady, "break", Actor.Agent($"agent-{i % 100}"))).ToList();
        await store.InsertAsync(entries, CancellationToken.None);
        inserted += entries.Count;
    }

    Console.WriteLine($"report store inserts: {inserted / insertWatch.Elapsed.TotalSeconds:N0} events/s ({inserted:N0} in batches of 500)");

    // The feed's lag: a reader polling every 250 ms (the Gateway's default) while 20 agents change status every 50 ms.
    var latest = await reports.GetLatestPosition();
    var seen = new List<double>();
    using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(Math.Max(seconds, 5)));
    var reader = Task.Run(async () =>
    {
        var after = latest;
        while (!stop.IsCancellationRequested)
        {
            var page = await reports.GetEvents(after, 1000);
            var now = DateTimeOffset.UtcNow;
            foreach (var e in page.Items)
            {
                seen.Add((now - e.At).TotalMilliseconds);
            }

            after = page.Items.Count > 0 ? page.Items[^1].Position : after;
            if (page.NextCursor is null)
            {
                await Task.Delay(250);
            }
        }
    });
    await grains.GetTenantGrain(tenant).UpdatePreferences(new WorkSessionPreferences(true, false, 60, 60), null, "bench");
    await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
    {
        await Agent(i).StartSession(AgentStatus.Ready, null);
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            await Agent(i).SetStatus(n % 2 == 0 ? AgentStatus.NotReady : AgentStatus.Ready, n % 2 == 0 ? "break" : null);
            await Task.Delay(50);
        }
    }));
    await reader;
    var lags = seen.Order().ToArray();
    Console.WriteLine($"feed lag (transition → readable by a 250 ms poller): {lags.Length:N0} events, p50 {Percentile(lags, 0.5):N0} ms, p99 {Percentile(lags, 0.99):N0} ms");
}

// A preference change answers the admin, then reaches every open session (counted by the agents' adoption metric);
// roster changes (sessions ending and starting) cost the tenant's stored row what its writes rewrite.
async Task TenantAsync()
{
    var tenantGrain = grains.GetTenantGrain(tenant);
    await tenantGrain.UpdatePreferences(new WorkSessionPreferences(true, true, 1800, 180), null, "bench");
    var starts = await PhaseAsync(i => Agent(i).StartSession(AgentStatus.Ready, null));
    var rosterWatch = Stopwatch.StartNew();
    while ((await tenantGrain.GetRosterPage(null, 1)).Count < agents && rosterWatch.Elapsed < TimeSpan.FromMinutes(2))
    {
        await Task.Delay(50);
    }

    Console.WriteLine($"sessions open: {agents:N0} in {starts.TotalSeconds:N1} s; roster complete {rosterWatch.Elapsed.TotalSeconds:N1} s later");

    // Let the batched roster write of the starts land, then churn: end and restart a thousand sessions.
    var settle = TimeSpan.FromSeconds(7);
    await Task.Delay(settle);
    var (bytesBefore, writesBefore) = await TenantRowAsync();
    const int Churned = 1000;
    await Parallel.ForEachAsync(Enumerable.Range(0, Math.Min(Churned, agents)), new ParallelOptions { MaxDegreeOfParallelism = Callers }, async (i, _) =>
    {
        await Agent(i).EndSession(Actor.Agent($"agent-{i}"), null);
        await Agent(i).StartSession(AgentStatus.Ready, null);
    });
    await Task.Delay(settle);
    var (bytesAfter, writesAfter) = await TenantRowAsync();
    var rosterChanges = 2 * Math.Min(Churned, agents);
    var rosterBytes = (writesAfter - writesBefore) * (double)bytesAfter;
    Console.WriteLine($"tenant's stored row: {bytesBefore:N0} → {bytesAfter:N0} bytes; {writesAfter - writesBefore} writes for {rosterChanges:N0} roster changes = {rosterBytes / rosterChanges:N0} bytes written per roster change");

    var adopted = 0L;
    using var listener = new System.Diagnostics.Metrics.MeterListener();
    listener.InstrumentPublished = (instrument, l) =>
    {
        if (instrument.Meter.Name == WorkSessions.Diagnostics.WorkSessionsMetrics.MeterName && instrument.Name == "worksessions.preferences.adopted")
        {
            l.EnableMeasurementEvents(instrument);
        }
    };
    listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref adopted, value));
    listener.Start();

    var change = Stopwatch.StartNew();
    string answer;
    try
    {
        var updated = await tenantGrain.UpdatePreferences(new WorkSessionPreferences(true, true, 1200, 180), null, "bench");
        answer = $"version {updated.Version} in {change.Elapsed.TotalMilliseconds:N0} ms";
    }
    catch (Exception exception)
    {
        answer = $"{exception.GetType().Name} after {change.Elapsed.TotalMilliseconds:N0} ms";
    }

    while (Interlocked.Read(ref adopted) < agents && change.Elapsed < TimeSpan.FromMinutes(3))
    {
        await Task.Delay(10);
    }

    Console.WriteLine($"preference change: answered {answer}; adopted by {Interlocked.Read(ref adopted):N0} of {agents:N0} open sessions {change.Elapsed.TotalSeconds:N2} s after the call");
}

// The tenant grain's stored row: its payload's size and its version (one more per write).
async Task<(long Bytes, long Writes)> TenantRowAsync()
{
    var database = host.Services.GetRequiredService<WorkSessions.Storage.WorkSessionsDatabase>();
    await using var connection = await database.DataSource.OpenConnectionAsync();
    await using var command = connection.CreateCommand();
    command.CommandText = "SELECT length(payload), version FROM orleans_grain_state WHERE grain_type = 'tenant' ORDER BY version DESC LIMIT 1";
    await using var reader = await command.ExecuteReaderAsync();
    return await reader.ReadAsync() ? (reader.GetInt64(0), reader.GetInt64(1)) : (0, 0);
}

async Task<TimeSpan> PhaseAsync(Func<int, Task> command)
{
    var watch = Stopwatch.StartNew();
    await Parallel.ForEachAsync(Enumerable.Range(0, agents), new ParallelOptions { MaxDegreeOfParallelism = Callers }, async (i, _) => await command(i));
    return watch.Elapsed;
}

async Task<AgentView[]> WaitForAllAsync(Func<AgentView, bool> done, TimeSpan bound)
{
    var watch = Stopwatch.StartNew();
    while (true)
    {
        var views = await Task.WhenAll(Enumerable.Range(0, agents).Select(i => Agent(i).GetSnapshot()));
        if (views.All(done) || watch.Elapsed > bound)
        {
            return views;
        }

        await Task.Delay(200);
    }
}

IAgentGrain Agent(int i) => grains.GetAgentGrain(tenant, $"agent-{i}");

static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

static long ManagedMemory()
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    return GC.GetTotalMemory(forceFullCollection: true);
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static string? OptionValue(ref string[] args, string name)
{
    var index = Array.IndexOf(args, name);
    if (index < 0 || index + 1 >= args.Length)
    {
        return null;
    }

    var value = args[index + 1];
    args = [.. args[..index], .. args[(index + 2)..]];
    return value;
}
