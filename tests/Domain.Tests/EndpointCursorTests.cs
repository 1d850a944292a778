using WorkSessions.Contracts.Reports;
using WorkSessions.Webhooks;

namespace WorkSessions.Domain.Tests;

public sealed class EndpointCursorTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void AnAnsweredAttempt_MovesOnToTheNextEvent_AndAFailedOneStaysAtTheHead()
    {
        var cursor = new EndpointCursor();
        cursor.Append([Event(1), Event(2)]);

        var first = cursor.Start(_ => 1, Now);
        Assert.Equal(first, cursor.InFlight);
        Assert.Equal((first, true), cursor.Finish(first.Id, delivered: false));
        Assert.Null(cursor.InFlight);

        var again = cursor.Start(_ => 2, Now.AddSeconds(1));
        Assert.Equal((1L, 2), (again.Event.Position, again.Number));
        cursor.Finish(again.Id, delivered: true);
        Assert.Equal(2, cursor.Start(_ => 1, Now.AddSeconds(2)).Event.Position);
    }

    [Fact]
    public void AfterAJump_TheAttemptInFlightNoLongerCounts_AndTheReadAheadIsGone()
    {
        var cursor = new EndpointCursor();
        cursor.Append([Event(1), Event(2)]);
        var attempt = cursor.Start(_ => 1, Now);

        cursor.Jump();

        Assert.Null(cursor.InFlight);
        Assert.True(cursor.NeedsEvents);
        Assert.Null(cursor.Finish(attempt.Id, delivered: true));
    }

    [Fact]
    public void AnAnswerToAnAttemptNotInFlight_IsIgnored()
    {
        var cursor = new EndpointCursor();
        cursor.Append([Event(1)]);
        var attempt = cursor.Start(_ => 1, Now);

        Assert.Null(cursor.Finish(Guid.NewGuid(), delivered: true));
        Assert.Equal(attempt, cursor.InFlight);
    }

    [Fact]
    public void AnAnswerThatComesBackAfterAJumpAndANewAttempt_DoesNotFinishTheNewOne()
    {
        var cursor = new EndpointCursor();
        cursor.Append([Event(1)]);
        var old = cursor.Start(_ => 1, Now);
        cursor.Jump();
        cursor.Append([Event(5)]);
        var current = cursor.Start(_ => 1, Now);

        Assert.Null(cursor.Finish(old.Id, delivered: true));
        Assert.Equal(current, cursor.InFlight);
    }

    [Fact]
    public void UnwantedEventsAtTheHead_ArePassedOver_AndTheLastPositionPassedIsAnswered()
    {
        var cursor = new EndpointCursor();
        cursor.Append([Event(1, "status-changed"), Event(2, "status-changed"), Event(3), Event(4, "status-changed")]);

        Assert.Equal(2, cursor.SkipUnwanted(e => e.Kind == FeedEventKinds.SessionStarted));
        Assert.Null(cursor.SkipUnwanted(e => e.Kind == FeedEventKinds.SessionStarted));
        Assert.Equal(3, cursor.Start(_ => 1, Now).Event.Position);
    }

    [Fact]
    public void AnAttempt_IsOverdueOnlyAfterTwiceTheRequestTimeout()
    {
        var cursor = new EndpointCursor();
        cursor.Append([Event(1)]);
        var attempt = cursor.Start(_ => 1, Now);
        var timeout = TimeSpan.FromSeconds(10);

        Assert.Null(cursor.Overdue(Now.AddSeconds(20), timeout));
        Assert.Equal(attempt, cursor.Overdue(Now.AddSeconds(20.001), timeout));
    }

    private static FeedEvent Event(long position, string kind = FeedEventKinds.SessionStarted) =>
        new(position, Guid.NewGuid(), Now, kind, "agent-1", null, null, null, null, null, null, null, null, null, null);
}
