using System.Collections.Concurrent;
using Orleans.Storage;

namespace WorkSessions.Grains.Tests;

/// <summary>
/// Grain storage for tests: keeps each state as the JSON the real providers would store (so a state that
/// does not round-trip through System.Text.Json fails here too), counts writes per grain, and can be told
/// to fail the next write.
/// </summary>
public sealed class CountingGrainStorage(IGrainStorageSerializer serializer) : IGrainStorage
{
    private readonly ConcurrentDictionary<(string StateName, GrainId GrainId), (BinaryData Payload, int Version)> _rows = new();
    private readonly ConcurrentDictionary<GrainId, int> _writes = new();
    private readonly ConcurrentDictionary<GrainId, bool> _failNextWrite = new();
    private readonly ConcurrentDictionary<GrainId, bool> _failing = new();
    private readonly ConcurrentDictionary<GrainId, int> _attempts = new();
    private readonly ConcurrentDictionary<GrainId, TaskCompletionSource> _held = new();
    private int _waitingAtHold;

    public int WritesOf(GrainId grainId) => _writes.GetValueOrDefault(grainId);

    /// <summary>Writes tried, failed ones included.</summary>
    public int AttemptsOf(GrainId grainId) => _attempts.GetValueOrDefault(grainId);

    public void FailNextWrite(GrainId grainId) => _failNextWrite[grainId] = true;

    /// <summary>Every write of the grain fails until <see cref="Heal"/>, as on a read-only or full database.</summary>
    public void FailWrites(GrainId grainId) => _failing[grainId] = true;

    public void Heal(GrainId grainId) => _failing.TryRemove(grainId, out _);

    /// <summary>Writes of the grain wait, as on a stalled database, until the returned action lets them through.</summary>
    public Action HoldWrites(GrainId grainId) => HoldWrites([grainId]);

    /// <summary>Writes of the grains wait, as on a stalled database, until the returned action lets them all through.</summary>
    public Action HoldWrites(IEnumerable<GrainId> grainIds)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = grainIds.ToList();
        foreach (var grainId in held)
        {
            _held[grainId] = gate;
        }

        return () =>
        {
            foreach (var grainId in held)
            {
                _held.TryRemove(grainId, out _);
            }

            gate.TrySetResult();
        };
    }

    /// <summary>Writes waiting for a <see cref="HoldWrites(GrainId)"/> now: the writes in flight at once while the database stalls.</summary>
    public int WaitingAtHold => Volatile.Read(ref _waitingAtHold);

    /// <summary>Replaces a stored row behind the grain's back (another activation, a restored backup): its etag changes.</summary>
    public void Overwrite<T>(string stateName, GrainId grainId, T state)
    {
        var key = (stateName, grainId);
        var version = (_rows.TryGetValue(key, out var row) ? row.Version : 0) + 1;
        _rows[key] = (serializer.Serialize(state), version);
    }

    /// <summary>The stored row as the JSON a real provider would hold, or null when there is none.</summary>
    public string? ReadJson(string stateName, GrainId grainId) =>
        _rows.TryGetValue((stateName, grainId), out var row) ? row.Payload.ToString() : null;

    /// <summary>Replaces a stored row with JSON as written, e.g. as an earlier version of the product stored it.</summary>
    public void OverwriteJson(string stateName, GrainId grainId, string json)
    {
        var key = (stateName, grainId);
        var version = (_rows.TryGetValue(key, out var row) ? row.Version : 0) + 1;
        _rows[key] = (BinaryData.FromString(json), version);
    }

    public T? Read<T>(string stateName, GrainId grainId) =>
        _rows.TryGetValue((stateName, grainId), out var row) ? serializer.Deserialize<T>(row.Payload) : default;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (_rows.TryGetValue((stateName, grainId), out var row))
        {
            grainState.State = serializer.Deserialize<T>(row.Payload);
            grainState.ETag = row.Version.ToString();
            grainState.RecordExists = true;
        }

        return Task.CompletedTask;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (_held.TryGetValue(grainId, out var gate))
        {
            Interlocked.Increment(ref _waitingAtHold);
            try
            {
                await gate.Task;
            }
            finally
            {
                Interlocked.Decrement(ref _waitingAtHold);
            }
        }

        _attempts.AddOrUpdate(grainId, 1, (_, count) => count + 1);
        if (_failNextWrite.TryRemove(grainId, out _) || _failing.ContainsKey(grainId))
        {
            throw new InvalidOperationException("Injected storage failure.");
        }

        var key = (stateName, grainId);
        var current = _rows.TryGetValue(key, out var row) ? row.Version.ToString() : null;
        if (current != grainState.ETag)
        {
            throw new InconsistentStateException($"ETag mismatch for {grainId}", current ?? "", grainState.ETag ?? "");
        }

        var version = (row.Payload is null ? 0 : row.Version) + 1;
        _rows[key] = (serializer.Serialize(grainState.State), version);
        _writes.AddOrUpdate(grainId, 1, (_, count) => count + 1);
        grainState.ETag = version.ToString();
        grainState.RecordExists = true;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        _rows.TryRemove((stateName, grainId), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }
}
