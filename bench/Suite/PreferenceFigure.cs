using System.Diagnostics;
using System.Diagnostics.Metrics;
using WorkSessions.Contracts;
using WorkSessions.Diagnostics;

namespace WorkSessions.Bench.Suite;

/// <summary>
/// A tenant admin's preference change with N open sessions (SQLite): how long the admin waits for the answer, and how
/// long until every open session runs under the new preferences. Two changes, one after the other:
/// 1. the inactivity timeout from an hour to 30 min: no session becomes due, so the push is all that happens; a session
///    holds the change when the product's <c>worksessions.preferences.adopted</c> counter (read here with a
///    <see cref="MeterListener"/>, the silo being in this process) counts it; reached = when it has counted every session;
/// 2. the timeout to 1 s: every session becomes due at once, and adopting the change is warning it (each warning a
///    state write) — a 50,000-deadline storm started by an admin; all warned = when the product's
///    <c>worksessions.warnings</c> counter has counted every session (polling 50,000 snapshots would load the storm it
///    measures); each warning's lateness = its snapshot's warnedAt − the change's time (when every deadline fell due).
/// The admin's answer is measured for both.
/// </summary>
internal static class PreferenceFigure
{
    private const string AdoptedInstrument = "worksessions.preferences.adopted";
    private const string WarningsInstrument = "worksessions.warnings";

    public static async Task<int> RunAsync(SuiteArguments arguments)
    {
        var agents = arguments.Int("--agents", 50_000);
        await using var silo = await BenchSilo.StartAsync(arguments.Value("--postgres"));
        var tenant = await silo.NewTenantAsync("prefs", autoEnd: true, 3600, 1800);
        await BenchSilo.ForAllAsync(agents, 64, i => silo.Agent(tenant, i).StartSession(AgentStatus.Ready, null));
        // The roster (who has an open session) is written in batches every 5 s: the change must find them all.
        await Task.Delay(TimeSpan.FromSeconds(arguments.Int("--settle", 6)));
        var bound = TimeSpan.FromSeconds(Math.Max(60, agents / 250.0));

        long adopted = 0;
        long warnings = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == WorkSessionsMetrics.MeterName && instrument.Name is AdoptedInstrument or WarningsInstrument)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == AdoptedInstrument)
            {
                Interlocked.Add(ref adopted, value);
            }
            else
            {
                Interlocked.Add(ref warnings, value);
            }
        });
        listener.Start();

        var watch = Stopwatch.StartNew();
        var (quietChange, quietAnswer) = Change(silo, tenant, new WorkSessionPreferences(true, true, 1800, 1800), watch);
        while (Interlocked.Read(ref adopted) < agents && watch.Elapsed < bound)
        {
            await Task.Delay(10);
        }

        var quietReached = Interlocked.Read(ref adopted);
        var quietReachedIn = watch.Elapsed;
        await quietChange;
        Measure.Log($"preferences: a change that makes no session due answered in {quietAnswer():N0} ms; {quietReached:N0} of {agents:N0} sessions held it after {quietReachedIn.TotalSeconds:N2} s");

        watch.Restart();
        var warningsBefore = Interlocked.Read(ref warnings);
        var (dueChange, dueAnswer) = Change(silo, tenant, new WorkSessionPreferences(true, true, 1, 1800), watch);
        while (Interlocked.Read(ref warnings) - warningsBefore < agents && watch.Elapsed < bound)
        {
            await Task.Delay(10);
        }

        var warnedIn = watch.Elapsed;
        var warned = Interlocked.Read(ref warnings) - warningsBefore;
        await dueChange;
        Measure.Log($"preferences: a change that makes every session due answered in {dueAnswer():N0} ms; {warned:N0} of {agents:N0} sessions warned after {warnedIn.TotalSeconds:N1} s");

        // Every deadline fell due when the change was made (its time as the tenant stored it).
        var changedAt = (await silo.Grains.GetTenantGrain(tenant).GetPreferences()).UpdatedAt!.Value;
        var lateness = new List<double>(agents);
        foreach (var chunk in Enumerable.Range(0, agents).Chunk(5000))
        {
            lateness.AddRange((await Task.WhenAll(chunk.Select(i => silo.Agent(tenant, i).GetSnapshot())))
                .Where(view => view.Prompt is not null)
                .Select(view => (view.Prompt!.WarnedAt - changedAt).TotalMilliseconds));
        }

        Measure.Report("preferences.answer_ms", quietAnswer());
        Measure.Report("preferences.reached_ms", quietReached == agents ? quietReachedIn.TotalMilliseconds : double.NaN);
        Measure.Report("preferences.due_answer_ms", dueAnswer());
        Measure.Report("preferences.due_warned_all_ms", warned >= agents ? warnedIn.TotalMilliseconds : double.NaN);
        Measure.ReportPercentiles("preferences.due_warn", lateness.Count == agents ? lateness : [], 0.5, 0.99, 1);
        return 0;
    }

    /// <summary>Starts the admin's change; the function gives the answer's time in ms once it came (NaN if it failed).</summary>
    private static (Task Change, Func<double> AnswerMs) Change(BenchSilo silo, string tenant, WorkSessionPreferences preferences, Stopwatch watch)
    {
        var answer = double.NaN;
        var change = Task.Run(async () =>
        {
            try
            {
                await silo.Grains.GetTenantGrain(tenant).UpdatePreferences(preferences, null, "admin");
                answer = watch.Elapsed.TotalMilliseconds;
            }
            catch (Exception exception)
            {
                Measure.Log($"preferences: the admin's change failed after {watch.Elapsed.TotalSeconds:N1} s: {exception.GetType().Name}");
            }
        });
        return (change, () => answer);
    }
}
