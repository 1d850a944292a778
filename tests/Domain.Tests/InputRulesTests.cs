using WorkSessions.Contracts;

namespace WorkSessions.Domain.Tests;

/// <summary>
/// The machine refuses free text and ids over the limits with the HTTP API's codes (a caller of the grain meets them too),
/// changing nothing. Half a surrogate pair is covered here: it cannot cross a grain call, but an in-process call passes it.
/// The cases are in code rather than theory data: xunit carries theory data as UTF-8, which has no half of a surrogate pair.
/// </summary>
public sealed class InputRulesTests
{
    [Fact]
    public void NotReadyReason_NotPrintable_IsInvalidStatus()
    {
        foreach (var reason in new[] { "\ud800", "lunch\udc00", "lunch\u0085" })
        {
            var agent = new AgentUnderTest();
            agent.AssertRejected(ErrorCodes.InvalidStatus, s => s.Start(AgentStatus.NotReady, reason));
            agent.Start();
            agent.AssertRejected(ErrorCodes.InvalidStatus, s => s.SetStatus(AgentStatus.NotReady, reason));
        }
    }

    [Fact]
    public void Reason_OverTheLimit_IsInvalidStatus_BeforeAnyOtherRule()
    {
        // The Gateway checks the reason before the grain call; the machine answers the same with the feature off.
        var agent = new AgentUnderTest(enabled: false);

        agent.AssertRejected(ErrorCodes.InvalidStatus, s => s.Start(AgentStatus.Ready, new string('r', InputRules.MaxReasonLength + 1)));
    }

    [Fact]
    public void Note_WithHalfASurrogatePair_IsInvalidArgument()
    {
        var agent = new AgentUnderTest();
        agent.Start();

        agent.AssertRejected(ErrorCodes.InvalidArgument, s => s.End(Actor.Supervisor("sam"), "shift over \udc00"));
    }

    [Fact]
    public void EngagementId_NotPrintable_IsInvalidArgument()
    {
        foreach (var engagementId in new[] { "call-\ud800", "call\t1" })
        {
            var agent = new AgentUnderTest();
            agent.Start();

            agent.AssertRejected(ErrorCodes.InvalidArgument, s => s.BeginEngagement(engagementId));
        }
    }
}
