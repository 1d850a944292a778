using WorkSessions.Contracts.Reports;
using WorkSessions.Reporting;

namespace WorkSessions.Grains.Tests;

public sealed class ReportOutboxTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Next_KeepsTheUndeliveredThenTheNew_AndDropsTheOldestBeyondCapacity()
    {
        var outbox = new ReportOutbox(capacity: 3);
        var stored = outbox.Next([], Entries(2), out var dropped);
        Assert.Equal(0, dropped);
        outbox.Stored(stored);

        var next = outbox.Next(stored, Entries(3), out dropped);

        Assert.Equal(2, dropped);
        Assert.Equal(3, next.Count);
        Assert.DoesNotContain(stored[0], next);
        Assert.DoesNotContain(stored[1], next);
    }

    [Fact]
    public void DeliveredEntries_AreLeftOutOfTheNextWrite_AndNoLongerNeedAWakeUp()
    {
        var outbox = new ReportOutbox(capacity: 100);
        var stored = outbox.Next([], Entries(3), out _);
        outbox.Stored(stored);
        Assert.True(outbox.HasUndelivered(stored));

        outbox.Delivered([stored[0].EventId, stored[1].EventId]);
        Assert.Equal([stored[2]], outbox.Next(stored, [], out _));
        outbox.Delivered([stored[2].EventId]);

        Assert.False(outbox.HasUndelivered(stored));
        Assert.Empty(outbox.Next(stored, [], out _));
    }

    [Fact]
    public void HandedOverEntries_AreNotHandedOverAgain_UntilANewActivation()
    {
        var outbox = new ReportOutbox(capacity: 100);
        var stored = outbox.Next([], Entries(2), out _);
        outbox.Stored(stored);
        Assert.Equal(stored, outbox.NotHandedOver(stored, At));

        outbox.HandedOver(stored, At);

        Assert.Empty(outbox.NotHandedOver(stored, At));
        Assert.Empty(outbox.NotHandedOver(stored, At + ReportOutbox.HandOverAgainAfter - TimeSpan.FromSeconds(1)));
        Assert.Equal(stored, new ReportOutbox(capacity: 100).NotHandedOver(stored, At));
    }

    [Fact]
    public void HandedOverEntriesNeverAcknowledged_AreHandedOverAgainAfterAWhile()
    {
        var outbox = new ReportOutbox(capacity: 100);
        var stored = outbox.Next([], Entries(2), out _);
        outbox.Stored(stored);
        outbox.HandedOver(stored, At);
        outbox.Delivered([stored[0].EventId]);

        Assert.Equal([stored[1]], outbox.NotHandedOver(stored, At + ReportOutbox.HandOverAgainAfter));
    }

    private static List<ReportEntry> Entries(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new ReportEntry(Guid.NewGuid(), "acme", "alice", null, At.AddSeconds(i), FeedEventKinds.StatusChanged))];
}
