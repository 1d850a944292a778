using CsCheck;
using WorkSessions.Contracts;
using Xunit.Abstractions;

namespace WorkSessions.Domain.Tests.Properties;

/// <summary>
/// The state machine invariants (docs/architecture.md#state-machine) over random command sequences. Each test plays <see cref="Sequences"/> sequences
/// (CsCheck shrinks and prints a failing one with its seed).
/// </summary>
public sealed class WorkSessionPropertyTests(ITestOutputHelper output)
{
    private const int Sequences = 10_000;

    [Fact]
    public void MixedCommandSequences_KeepEveryInvariant_10000Sequences() => Run(Profile.Mixed);

    [Fact]
    public void IdleAgentsWithOutages_KeepEveryInvariant_10000Sequences() => Run(Profile.IdleAgents);

    private void Run(Profile profile)
    {
        var coverage = new Coverage();

        ScenarioGen.For(profile).Sample(
            scenario => new SequenceRunner(scenario, coverage).Run(),
            writeLine: output.WriteLine,
            iter: Sequences,
            print: scenario => scenario.ToString());

        output.WriteLine($"{profile.Name}: {coverage}");
        Assert.Equal(Sequences, coverage.Sequences);

        // The sequences must reach every corner the invariants talk about, or passing proves little.
        Assert.True(coverage.Rejections > 0, "no command was rejected");
        Assert.True(coverage.TimerFirings > 0, "no deadline fired");
        Assert.True(coverage.RecoveryPrompts > 0, "no outage outlived a grace deadline");
        Assert.True(coverage.TeamChanges > 0, "no team change reached an open session");
        Assert.True(coverage.GraceExtensions > 0, "no pending prompt met a longer grace period");
        Assert.True(coverage.LimitNotices.LimitWarnings > 0 && coverage.LimitNotices.LimitAlerts > 0 && coverage.LimitNotices.ShiftWarnings > 0, "no not-ready limit or shift end was announced");
        foreach (var reason in Enum.GetValues<EndReason>())
        {
            Assert.True(coverage.Ends(reason) > 0, $"no session ended {reason}");
        }
    }
}
