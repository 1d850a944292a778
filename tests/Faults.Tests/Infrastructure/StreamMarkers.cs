using WorkSessions.TestSupport;

namespace WorkSessions.Faults.Tests.Infrastructure;

/// <summary>
/// Shows that agents' event streams hold everything their agents made before now, without a fixed wait: each agent starts
/// a new session (its marker) and the wait ends when every stream shows it, as a <c>session-started</c> or in the snapshot
/// of a reconnection. An agent's grain sends its events to the stream in the order it made them, so a second end of an
/// earlier session, had there been one, was sent ahead of the marker: a later signal, where a fixed wait would only guess.
/// </summary>
internal static class StreamMarkers
{
    /// <summary>Starts each agent's marker session and waits until its stream shows it.</summary>
    /// <param name="traffic">The clients' side.</param>
    /// <param name="agents">Each agent's token and its stream, held open.</param>
    /// <param name="bound">The bound; only a broken product needs longer.</param>
    public static async Task MarkAsync(Traffic traffic, IReadOnlyCollection<(string Token, StreamWatcher Watcher)> agents, TimeSpan bound)
    {
        await Parallel.ForEachAsync(agents, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (agent, _) =>
        {
            var answer = await traffic.CallWithRetryAsync(0, HttpMethod.Post, "/api/v1/me/work-session", agent.Token, status => status is 200 or 201);
            if (answer.Status != 201)
            {
                throw new InvalidOperationException($"A marker session answered {answer.Status}: {answer.Body?.ToJsonString()}");
            }

            agent.Watcher.Marker = (Guid)answer.Body!["session"]!["sessionId"]!;
        });
        await Eventually.UntilAsync(
            () => Task.FromResult(agents.Count(agent => !agent.Watcher.SessionsShown.ContainsKey(agent.Watcher.Marker!.Value))),
            unmarked => unmarked == 0,
            bound,
            "every stream to show its agent's marker session",
            TimeSpan.FromMilliseconds(250));
    }
}
