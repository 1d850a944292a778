using System.Diagnostics;
using WorkSessions.Contracts;

namespace WorkSessions.Bench.Suite;

/// <summary>
/// A tenant admin's preference change with N open sessions (SQLite): how long the admin waits for the answer, and how
/// long until every open session runs under the new preferences. The change shortens the inactivity timeout from an
/// hour to 1 s (grace 30 min), so a session shows that it has the new preferences by being warned at once (visible in its snapshot);
/// the time until all are warned is therefore an upper bound that includes each warning's own write.
/// </summary>
internal static class PreferenceFigure
{
    public static async Task<int> RunAsync(SuiteArguments arguments)
    {
        var agents = arguments.Int("--agents", 50_000);
        await using var silo = await BenchSilo.StartAsync(arguments.Value("--postgres"));
        var tenant = await silo.NewTenantAsync("prefs", autoEnd: true, 3600, 1800);
        await BenchSilo.ForAllAsync(agents, 64, i => silo.Agent(tenant, i).StartSession(AgentStatus.Ready, null));
        // The roster (who has an open session) is written in batches every 5 s: the change must find them all.
        await Task.Delay(TimeSpan.FromSeconds(arguments.Int("--settle", 6)));

        var watch = Stopwatch.StartNew();
        var answer = double.NaN;
        var change = Task.Run(async () =>
        {
            try
            {
                await silo.Grains.GetTenantGrain(tenant).UpdatePreferences(new WorkSessionPreferences(true, true, 1, 1800), null, "admin");
                answer = watch.Elapsed.TotalMilliseconds;
            }
            catch (Exception exception)
            {
                Measure.Log($"preferences: the admin's change failed after {watch.Elapsed.TotalSeconds:N1} s: {exception.GetType().Name}");
            }
        });

        var reached = 0;
        var bound = TimeSpan.FromSeconds(Math.Max(60, agents / 250.0));
        while (watch.Elapsed < bound)
        {
            reached = 0;
            foreach (var chunk in Enumerable.Range(0, agents).Chunk(5000))
            {
                reached += (await Task.WhenAll(chunk.Select(i => silo.Agent(tenant, i).GetSnapshot()))).Count(v => v.State == SessionState.Warned);
            }

            if (reached == agents)
            {
                break;
            }

            await Task.Delay(100);
        }

        var reachedIn = watch.Elapsed;
        await change;
        Measure.Report("preferences.answer_ms", answer);
        Measure.Report("preferences.reached_all_ms", reached == agents ? reachedIn.TotalMilliseconds : double.NaN);
        Measure.Report("preferences.reached", reached);
        Measure.Log($"preferences: answered in {answer:N0} ms; {reached:N0} of {agents:N0} sessions had it after {reachedIn.TotalSeconds:N1} s");
        return 0;
    }
}
