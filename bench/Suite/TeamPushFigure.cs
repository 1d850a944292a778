using System.Diagnostics;
using System.Diagnostics.Metrics;
using WorkSessions.Contracts;
using WorkSessions.Diagnostics;

namespace WorkSessions.Bench.Suite;

/// <summary>
/// Team changes reaching open sessions (SQLite): N open sessions in N / 100 teams of 100 agents, each team overriding the
/// tenant's timeout. Three changes, one after the other, each timed from the admin's call until every session it affects
/// holds the new effective preferences:
/// 1. one team's override (its 100 agents; the team's push after the answer);
/// 2. the tenant's grace period (every session; the tenant's push, the teams' overrides staying on top);
/// 3. 1,000 agents of ten teams moved to another team in one call (each agent is told inside the call).
/// A session holds a change when the product's <c>worksessions.preferences.adopted</c> counter counts it (tag
/// <c>source</c>: <c>team</c> or <c>tenant</c>), read here with a <see cref="MeterListener"/>, the silo being in this
/// process: each count is one agent's time to apply; the last one is the change's total. A sample of agents is read
/// back at the end to check the effective preferences are the expected ones.
/// </summary>
internal static class TeamPushFigure
{
    private const string AdoptedInstrument = "worksessions.preferences.adopted";
    private const int TeamSize = 100;
    private const int TeamTimeoutSeconds = 3000;

    public static async Task<int> RunAsync(SuiteArguments arguments)
    {
        var agents = arguments.Int("--agents", 50_000);
        var teams = Math.Max(12, agents / TeamSize);
        var perTeam = agents / teams;
        agents = teams * perTeam;
        var moving = Math.Min(arguments.Int("--moved", 1_000), perTeam * 10);
        await using var silo = await BenchSilo.StartAsync(arguments.Value("--postgres"));
        var tenant = await silo.NewTenantAsync("teams", autoEnd: true, 3600, 1800);
        string Agent(int i) => $"agent-{i}";
        string TeamId(int t) => $"team-{t}";
        ITeamGrain Team(int t) => silo.Grains.GetTeamGrain(tenant, TeamId(t));
        TeamDefinition Definition(int t, int timeoutSeconds) => new($"Team {t}", null, [], new TeamPreferenceOverrides(null, timeoutSeconds, null));

        var setup = Stopwatch.StartNew();
        await BenchSilo.ForAllAsync(teams, 8, async t =>
        {
            await Team(t).Put(Definition(t, TeamTimeoutSeconds), null, "bench");
            await Team(t).ChangeMembers([.. Enumerable.Range(t * perTeam, perTeam).Select(Agent)], [], "bench");
        });
        await BenchSilo.ForAllAsync(agents, 64, i => silo.Agent(tenant, i).StartSession(AgentStatus.Ready, null));
        Measure.Log($"teams: {agents:N0} open sessions in {teams:N0} teams of {perTeam:N0} set up in {setup.Elapsed.TotalSeconds:N1} s");
        // The agents announce their sessions to the tenant's roster one-way: the tenant's push must find them all.
        await Task.Delay(TimeSpan.FromSeconds(arguments.Int("--settle", 6)));
        var bound = TimeSpan.FromSeconds(Math.Max(60, agents / 250.0));

        // Each count of the phase's source, as the time since the change started.
        var watch = new Stopwatch();
        var source = "";
        var applied = new List<double>(agents);
        var gate = new object();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == WorkSessionsMetrics.MeterName && instrument.Name == AdoptedInstrument)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "source" && Equals(tag.Value, Volatile.Read(ref source)))
                {
                    var at = watch.Elapsed.TotalMilliseconds;
                    lock (gate)
                    {
                        for (var n = 0; n < value; n++)
                        {
                            applied.Add(at);
                        }
                    }
                }
            }
        });
        listener.Start();

        async Task PhaseAsync(string name, string phaseSource, int affected, Func<Task> change)
        {
            lock (gate)
            {
                applied.Clear();
            }

            Volatile.Write(ref source, phaseSource);
            watch.Restart();
            var answer = double.NaN;
            try
            {
                await change();
                answer = watch.Elapsed.TotalMilliseconds;
            }
            catch (Exception exception)
            {
                Measure.Log($"teams: {name}: the admin's change failed after {watch.Elapsed.TotalSeconds:N1} s: {exception.GetType().Name}: {exception.Message}");
            }

            int Count()
            {
                lock (gate)
                {
                    return applied.Count;
                }
            }

            while (Count() < affected && watch.Elapsed < bound)
            {
                await Task.Delay(10);
            }

            Volatile.Write(ref source, "");
            double[] times;
            lock (gate)
            {
                times = [.. applied.Order()];
            }

            var complete = times.Length >= affected;
            Measure.Log($"teams: {name}: answered in {answer:N0} ms; {times.Length:N0} of {affected:N0} sessions held it, "
                + $"p50 {Measure.Percentile(times, 0.5):N0} ms, p99 {Measure.Percentile(times, 0.99):N0} ms, last {(times.Length > 0 ? times[^1] : double.NaN):N0} ms");
            Measure.Report($"teams.{name}.answer_ms", answer);
            Measure.ReportPercentiles($"teams.{name}", complete ? times : [], 0.5, 0.99, 1);
            Measure.Report($"teams.{name}.total_ms", complete ? times[^1] : double.NaN);

            // Nothing of this phase may still be arriving when the next starts counting.
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        // 1. One team's override: its members, by the team's push.
        await PhaseAsync("team", "team", perTeam, () => Team(0).Put(Definition(0, 2400), null, "bench"));

        // 2. The tenant's grace period: every open session, by the tenant's push.
        await PhaseAsync("tenant", "tenant", agents, () => silo.Grains.GetTenantGrain(tenant).UpdatePreferences(new WorkSessionPreferences(true, true, 3600, 1700), null, "bench"));

        // 3. Agents of teams 1..10 moved to the last team in one call.
        var moved = Enumerable.Range(perTeam, moving).Select(Agent).ToList();
        await PhaseAsync("move", "team", moving, () => Team(teams - 1).ChangeMembers(moved, [], "bench"));

        // Read back a sample: the changed team's, a moved agent, an agent of the target team, one of an unchanged team.
        var expected = new (int Agent, string Team, int Timeout)[]
        {
            (0, TeamId(0), 2400), (perTeam - 1, TeamId(0), 2400), (perTeam, TeamId(teams - 1), TeamTimeoutSeconds),
            (perTeam + moving - 1, TeamId(teams - 1), TeamTimeoutSeconds), (agents - 1, TeamId(teams - 1), TeamTimeoutSeconds),
            ((teams - 2) * perTeam, TeamId(teams - 2), TeamTimeoutSeconds),
        };
        var wrong = 0;
        foreach (var (agent, teamId, timeout) in expected)
        {
            var effective = await silo.Grains.GetAgentGrain(tenant, Agent(agent)).GetEffectivePreferences();
            if (effective.TeamId != teamId || effective.Preferences.InactivityTimeoutSeconds != timeout || effective.Preferences.GracePeriodSeconds != 1700)
            {
                wrong++;
                Measure.Log($"teams: {Agent(agent)} holds {effective.TeamId} {effective.Preferences.InactivityTimeoutSeconds} s / {effective.Preferences.GracePeriodSeconds} s, not {teamId} {timeout} s / 1700 s");
            }
        }

        Measure.Report("teams.sample_wrong", wrong);
        return wrong == 0 ? 0 : 1;
    }
}
