using CsCheck;

namespace WorkSessions.Domain.Tests;

/// <summary>Session and event ids: version 7 UUIDs laid out as .NET's own, unique, ordered by their time.</summary>
public sealed class TimeOrderedIdsTests
{
    [Fact]
    public void LayOutTheTimeVersionAndVariant_AsDotNetsOwnVersion7()
    {
        Gen.Long[0, 253_402_300_799_999].Sample(milliseconds =>
        {
            var at = DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
            var ours = TimeOrderedIds.New(at).ToByteArray(bigEndian: true);
            var dotnets = Guid.CreateVersion7(at).ToByteArray(bigEndian: true);

            Assert.Equal(dotnets[..6], ours[..6]);
            Assert.Equal(0x70, ours[6] & 0xF0);
            Assert.Equal(0x80, ours[8] & 0xC0);
        });
    }

    [Fact]
    public void AreUnique_WithinOneMillisecond()
    {
        var at = new DateTimeOffset(2026, 12, 3, 22, 0, 0, TimeSpan.Zero);
        var ids = new HashSet<Guid>();
        Parallel.For(0, 4, _ =>
        {
            var mine = Enumerable.Range(0, 50_000).Select(_ => TimeOrderedIds.New(at)).ToList();
            lock (ids)
            {
                ids.UnionWith(mine);
            }
        });

        Assert.Equal(200_000, ids.Count);
        Assert.All(ids, id => Assert.Equal(7, id.Version));
    }

    [Fact]
    public void SortByTheirTime_AsBytes()
    {
        var start = new DateTimeOffset(2026, 12, 3, 22, 0, 0, TimeSpan.Zero);
        var ids = Enumerable.Range(0, 1000).Select(i => TimeOrderedIds.New(start.AddMilliseconds(i * 7)).ToByteArray(bigEndian: true)).ToList();

        var sorted = ids.OrderBy(id => Convert.ToHexString(id), StringComparer.Ordinal).ToList();

        Assert.Equal(ids, sorted);
    }

    [Fact]
    public void RefuseTimesBeforeTheUnixEpoch() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => TimeOrderedIds.New(DateTimeOffset.UnixEpoch.AddMilliseconds(-1)));
}
