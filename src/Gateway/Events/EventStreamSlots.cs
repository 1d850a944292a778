using Microsoft.Extensions.Options;
using WorkSessions.Gateway.Hosting;

namespace WorkSessions.Gateway.Events;

/// <summary>
/// The open event streams of each agent on this Gateway. Each stream holds a connection, a grain observer and a
/// renewal call every few seconds, so an agent gets at most <see cref="GatewayOptions.MaxEventStreamsPerAgent"/>;
/// opening one more closes the oldest (a reloaded tab wins over the one it replaced).
/// </summary>
public sealed class EventStreamSlots(IOptions<GatewayOptions> options)
{
    private readonly Dictionary<string, LinkedList<Slot>> _byAgent = new(StringComparer.Ordinal);

    /// <summary>Takes a slot for a stream that ends when <paramref name="stream"/> is cancelled.</summary>
    /// <param name="agentKey">The agent, <c>"{tenantId}/{agentId}"</c>.</param>
    /// <param name="stream">Cancelled to close the stream when a newer one needs its slot.</param>
    public Slot Open(string agentKey, CancellationTokenSource stream)
    {
        Slot? superseded = null;
        Slot slot;
        lock (_byAgent)
        {
            if (!_byAgent.TryGetValue(agentKey, out var open))
            {
                _byAgent[agentKey] = open = new LinkedList<Slot>();
            }

            slot = new Slot(this, agentKey, stream);
            slot.Node = open.AddLast(slot);
            if (open.Count > options.Value.MaxEventStreamsPerAgent)
            {
                superseded = open.First!.Value;
                open.RemoveFirst();
                superseded.Node = null;
            }
        }

        superseded?.Supersede();
        return slot;
    }

    private void Release(Slot slot)
    {
        lock (_byAgent)
        {
            if (slot.Node is { } node && _byAgent.TryGetValue(slot.AgentKey, out var open))
            {
                open.Remove(node);
                slot.Node = null;
                if (open.Count == 0)
                {
                    _byAgent.Remove(slot.AgentKey);
                }
            }
        }
    }

    /// <summary>One open stream's place; disposing it frees the place.</summary>
    public sealed class Slot(EventStreamSlots owner, string agentKey, CancellationTokenSource stream) : IDisposable
    {
        internal string AgentKey => agentKey;

        internal LinkedListNode<Slot>? Node { get; set; }

        /// <summary>True once a newer stream of the same agent took this one's place.</summary>
        public bool Superseded { get; private set; }

        internal void Supersede()
        {
            Superseded = true;
            try
            {
                stream.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The stream ended by itself meanwhile.
            }
        }

        public void Dispose() => owner.Release(this);
    }
}
