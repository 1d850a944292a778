using CsCheck;

namespace WorkSessions.Domain.Tests;

/// <summary>The roster's order: distinct ids in ordinal order, read from any position, against a <see cref="SortedSet{T}"/>.</summary>
public sealed class SortedIdListTests
{
    [Fact]
    public void AddsAndRemoves_LikeASortedSet_AndReadsFromAnyPosition()
    {
        // Ids from a small range collide often; runs long enough to split chunks and merge them again.
        var operations = Gen.Select(Gen.Bool, Gen.Int[0, 3_000]).Array[0, 4_000];
        operations.Sample(steps =>
        {
            var list = new SortedIdList();
            var reference = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var (add, number) in steps)
            {
                var id = $"agent-{number}";
                Assert.Equal(add ? reference.Add(id) : reference.Remove(id), add ? list.Add(id) : list.Remove(id));
            }

            Assert.Equal(reference, list.After(null));
            foreach (var after in new[] { "", "agent-1", "agent-1500", "agent-2999", "agent-3", "b", reference.FirstOrDefault() ?? "x", reference.LastOrDefault() ?? "x" })
            {
                Assert.Equal(reference.Where(id => string.CompareOrdinal(id, after) > 0), list.After(after));
            }
        });
    }

    [Fact]
    public void OrdersOrdinally_NotByCulture()
    {
        var list = new SortedIdList();
        foreach (var id in new[] { "bob", "Bob", "alice", "_x", "9", "a.b", "a-b", "a@b", "Zoe" })
        {
            list.Add(id);
        }

        Assert.Equal(["9", "Bob", "Zoe", "_x", "a-b", "a.b", "a@b", "alice", "bob"], list.After(null));
        Assert.Equal(["_x", "a-b", "a.b", "a@b", "alice", "bob"], list.After("Zoe"));
        Assert.Equal(["a@b", "alice", "bob"], list.After("a.c"));
        Assert.Empty(list.After("bob"));
    }

    [Fact]
    public void FiftyThousandIds_InAnyOrder_PageInOrder_AndEmptyWithoutLeavingAny()
    {
        var ids = Enumerable.Range(0, 50_000).Select(i => $"agent-{i:D5}").ToList();
        var shuffled = ids.OrderBy(_ => Random.Shared.Next()).ToList();
        var list = new SortedIdList();
        foreach (var id in shuffled)
        {
            Assert.True(list.Add(id));
        }

        Assert.Equal(ids, list.After(null));
        Assert.Equal(ids[25_001..25_501], list.After(ids[25_000]).Take(500));

        foreach (var id in shuffled)
        {
            Assert.True(list.Remove(id));
        }

        Assert.Empty(list.After(null));
        Assert.False(list.Remove("agent-00000"));
    }
}
