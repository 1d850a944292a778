using Orleans.Concurrency;
using WorkSessions.Contracts;

namespace WorkSessions;

/// <summary>
/// One agent's work session and status (docs/architecture.md#state-machine). Key: <c>"{tenantId}/{agentId}"</c>, see <see cref="AgentKey"/>.
/// Rejections arrive as <see cref="WorkSessionException"/> with a stable code.
/// </summary>
[Alias("WorkSessions.IAgentGrain")]
public interface IAgentGrain : IGrainWithStringKey
{
    /// <summary>Starts a work session, or returns the open one unchanged (idempotent).</summary>
    /// <param name="status">The status to start in: ready, or not ready with a reason.</param>
    /// <param name="reason">The not-ready reason code; required with <see cref="AgentStatus.NotReady"/>; at most 64 characters, no control characters.</param>
    /// <returns>Whether a session was created, and the agent afterwards.</returns>
    /// <exception cref="WorkSessionException"><c>work_sessions_disabled</c>, <c>invalid_status</c> (also for a reason over the limits).</exception>
    [Alias("StartSession")]
    Task<StartSessionResult> StartSession(AgentStatus status, string? reason);

    /// <summary>Records that the agent interacted with the client (the heartbeat). Writes no storage.</summary>
    /// <exception cref="WorkSessionException"><c>no_open_session</c>, <c>work_sessions_disabled</c>.</exception>
    [Alias("RecordActivity")]
    Task RecordActivity();

    /// <summary>Answers the inactivity prompt; a no-op when no prompt is pending.</summary>
    /// <returns>The agent afterwards.</returns>
    /// <exception cref="WorkSessionException"><c>no_open_session</c>, <c>work_sessions_disabled</c>.</exception>
    [Alias("Continue")]
    Task<AgentView> Continue();

    /// <summary>Sets the agent's own status: ready, not ready with a reason, or offline while the feature is off.</summary>
    /// <param name="status">The new status; never <see cref="AgentStatus.Occupied"/>, which is the system's.</param>
    /// <param name="reason">The not-ready reason code; required with <see cref="AgentStatus.NotReady"/>; at most 64 characters, no control characters.</param>
    /// <returns>The agent afterwards.</returns>
    /// <exception cref="WorkSessionException"><c>no_open_session</c>, <c>invalid_status</c> (also for a reason over the limits).</exception>
    [Alias("SetStatus")]
    Task<AgentView> SetStatus(AgentStatus status, string? reason);

    /// <summary>Ends the open session: the agent's own end, or a supervisor's or admin's forced end.</summary>
    /// <param name="actor">Who ends it; the role decides the end reason. A user id is 1 to 255 printable characters.</param>
    /// <param name="note">An optional note from a supervisor or admin, kept on the record: at most 500 characters, line breaks and tabs but no other control characters.</param>
    /// <returns>The finished session.</returns>
    /// <exception cref="WorkSessionException"><c>no_open_session</c>, <c>work_sessions_disabled</c>, <c>invalid_argument</c> (an actor or note over the limits).</exception>
    [Alias("EndSession")]
    Task<SessionRecord> EndSession(Actor actor, string? note);

    /// <summary>
    /// The preferences that apply to the agent: its team's overrides over its tenant's, with the source of each field
    /// (docs/architecture.md#teams).
    /// </summary>
    /// <returns>The effective preferences and the agent's team.</returns>
    [Alias("GetEffectivePreferences")]
    Task<EffectivePreferences> GetEffectivePreferences();

    /// <summary>The agent's current state, status, open session and prompt, for supervisors and backend services.</summary>
    /// <returns>The agent now.</returns>
    [ReadOnly, Alias("GetSnapshot")]
    Task<AgentView> GetSnapshot();

    /// <summary>Like <see cref="GetSnapshot"/>, but null for an agent the tenant has never seen (nothing stored for it).</summary>
    /// <returns>The agent now, or null.</returns>
    [ReadOnly, Alias("FindSnapshot")]
    Task<AgentView?> FindSnapshot();

    /// <summary>A backend service reports an engagement (call, chat) began: status occupied, inactivity clock paused.</summary>
    /// <param name="engagementId">The engagement's id, 1 to 128 printable characters; repeating it is harmless.</param>
    /// <exception cref="WorkSessionException"><c>no_open_session</c>, <c>invalid_argument</c>.</exception>
    [Alias("BeginEngagement")]
    Task BeginEngagement(string engagementId);

    /// <summary>A backend service reports an engagement ended: back to the status before, activity now.</summary>
    /// <param name="engagementId">The engagement's id; an unknown id is a no-op.</param>
    [Alias("EndEngagement")]
    Task EndEngagement(string engagementId);

    /// <summary>
    /// Subscribes an observer to the agent's events, or renews its subscription. Subscriptions lapse
    /// unless renewed within <see cref="ObserverLease"/>, so a vanished Gateway costs nothing for long.
    /// </summary>
    /// <param name="observer">A reference made with <c>IGrainFactory.CreateObjectReference</c>.</param>
    /// <returns>
    /// The agent now, so the subscriber starts from a consistent snapshot, and whether the observer was already
    /// subscribed to this activation (false after the grain reactivated: events may have been missed).
    /// </returns>
    [Alias("Subscribe")]
    Task<AgentSubscription> Subscribe(IAgentObserver observer);

    /// <summary>Ends an observer's subscription.</summary>
    /// <param name="observer">The observer passed to <see cref="Subscribe"/>.</param>
    [Alias("Unsubscribe")]
    Task Unsubscribe(IAgentObserver observer);

    /// <summary>
    /// An event stream of the agent opened on a Gateway (docs/architecture.md#client-presence); repeating it is harmless,
    /// and a Gateway repeats it when its subscription renewal finds a new activation. Writes nothing unless a client
    /// judged gone is back (<c>client-back</c>).
    /// </summary>
    /// <param name="gatewayId">The Gateway's instance id, the key of its <see cref="IGatewayLeaseGrain"/>.</param>
    /// <param name="streamId">The stream, unique on its Gateway.</param>
    [Alias("ClientConnected")]
    Task ClientConnected(string gatewayId, Guid streamId);

    /// <summary>An event stream of the agent closed; with none left on any Gateway the client-gone clock starts.</summary>
    /// <param name="gatewayId">The Gateway's instance id.</param>
    /// <param name="streamId">The stream given to <see cref="ClientConnected"/>.</param>
    [Alias("ClientDisconnected")]
    Task ClientDisconnected(string gatewayId, Guid streamId);

    /// <summary>
    /// How long after an activation open streams may take to announce themselves again: a Gateway's stream renews its
    /// subscription at least twice in this time, and an activation counts its client gone only from then.
    /// </summary>
    static TimeSpan PresenceReannounceWindow => TimeSpan.FromSeconds(30);

    /// <summary>How long a subscription lasts without renewal.</summary>
    static TimeSpan ObserverLease => TimeSpan.FromMinutes(3);

}
