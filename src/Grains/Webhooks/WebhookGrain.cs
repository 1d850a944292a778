using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Storage;
using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.Contracts.Webhooks;
using WorkSessions.Hosting;
using WorkSessions.Storage;

namespace WorkSessions.Webhooks;

/// <summary>What the registry and the deliverer itself call on an endpoint grain. Internal to the silo.</summary>
[Alias("WorkSessions.IWebhookDeliverer")]
internal interface IWebhookDeliverer : IWebhookGrain
{
    /// <summary>Creates the endpoint; it delivers the events stored after this moment.</summary>
    [Alias("Create")]
    Task<WebhookCreated> Create(WebhookSettings settings, string createdBy);

    /// <summary>Deletes the endpoint: state, timers and reminder.</summary>
    [Alias("Delete")]
    Task Delete();

    /// <summary>New events may be in the feed.</summary>
    [OneWay, Alias("Wake")]
    Task Wake();

    /// <summary>The outcome of the attempt <paramref name="attemptId"/>, reported when the receiver answered or did not.</summary>
    [Alias("Completed")]
    Task Completed(Guid attemptId, int? statusCode, long latencyMs, string? error);
}

/// <summary>
/// One webhook endpoint and its deliverer (docs/architecture.md#webhooks). The activation is the endpoint's only
/// deliverer in the cluster: it reads the tenant's feed after its stored position, posts one event at a time and
/// moves on after a 2xx. The post runs outside the grain's turns and reports back with <see cref="Completed"/>, so
/// admins' calls never wait behind a slow receiver; a result that comes back to another activation (or after a replay
/// or a change of URL) is only logged, and the event is sent again: at least once, never skipped.
/// </summary>
[GrainType("webhook")]
internal sealed partial class WebhookGrain(
    [PersistentState(StateNames.Webhook, StorageNames.WorkSessions)] IPersistentState<WebhookGrainState> state,
    IReportStore store,
    IWebhookSender sender,
    IOptions<WebhookOptions> options,
    TimeProvider timeProvider,
    ILogger<WebhookGrain> logger) : Grain, IWebhookDeliverer, IRemindable
{
    internal const string ReminderName = "webhook-deliverer";

    /// <summary>Feed events read per query.</summary>
    private const int PageSize = 100;

    private readonly WebhookOptions _options = options.Value;

    // Events after the stored position, read ahead, in feed order. Cleared whenever the position jumps.
    private readonly Queue<FeedEvent> _ahead = new();

    // Bumped by a replay, a change of URL or kinds, a delete: an attempt started before it is only logged.
    private long _generation;
    private Attempt? _inFlight;
    private IGrainTimer? _poll;
    private IGrainTimer? _retry;
    private DateTimeOffset? _retryArmedFor;
    private bool _positionDirty;
    private DateTimeOffset _lastWriteAt = DateTimeOffset.MinValue;
    private IWebhookDeliverer? _self;

    private WebhookGrainState State => state.State;

    private string Key => this.GetPrimaryKeyString();

    private bool Delivering => State.Exists && State.Enabled && !State.Failing;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _self = this.AsReference<IWebhookDeliverer>();
        if (Delivering)
        {
            // A silo lost, a restart, an idle activation collected: go on from the stored position.
            StartPolling();
        }

        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_positionDirty && State.Exists)
        {
            try
            {
                await WriteAsync();
            }
            catch (Exception exception)
            {
                // The next activation repeats what this one delivered since its last write: duplicates, never gaps.
                WebhookLog.WriteFailed(logger, exception, Key);
            }
        }
    }

    public async Task<WebhookCreated> Create(WebhookSettings settings, string createdBy)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (State.Exists)
        {
            throw new InvalidOperationException($"Webhook {Key} exists already.");
        }

        var url = _options.UrlRules.Check(settings.Url);
        var kinds = Kinds(settings.Kinds);
        var description = Description(settings.Description);
        var (tenantId, _) = WorkSessionsGrains.WebhookIdsOf(Key);
        var now = timeProvider.GetUtcNow();

        // New events only: the feed's history is there for a replay.
        var position = await store.ReadLatestPositionAsync(tenantId, CancellationToken.None);
        state.State = new WebhookGrainState
        {
            Exists = true,
            Url = url.AbsoluteUri,
            Kinds = kinds,
            Description = description,
            Enabled = true,
            CreatedAt = now,
            CreatedBy = createdBy,
            Secret = WebhookSigning.NewSecret(),
            Position = position,
        };
        await WriteAsync();
        await RegisterReminderAsync();
        StartPolling();
        WebhookLog.Created(logger, Key, createdBy);
        var view = View();
        return new WebhookCreated(view.WebhookId, view.Status, State.Secret, view);
    }

    public async Task Delete()
    {
        if (!State.Exists)
        {
            throw NotFound();
        }

        _generation++;
        _inFlight = null;
        _ahead.Clear();
        StopTimers();
        await state.ClearStateAsync();
        state.State = new WebhookGrainState();
        await UnregisterReminderAsync();
        WebhookLog.Deleted(logger, Key);
        DeactivateOnIdle();
    }

    public Task<WebhookView> Get() => Task.FromResult(State.Exists ? View() : throw NotFound());

    public async Task<WebhookView> Update(WebhookChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (!State.Exists)
        {
            throw NotFound();
        }

        var url = change.Url is null ? null : _options.UrlRules.Check(change.Url).AbsoluteUri;
        var kinds = change.Kinds is null ? null : Kinds(change.Kinds);
        if ((url is not null && url != State.Url) || (kinds is not null && !kinds.SequenceEqual(State.Kinds)))
        {
            // An attempt to the old URL, or of a kind no longer wanted, no longer counts.
            Jump();
            State.Url = url ?? State.Url;
            State.Kinds = kinds ?? State.Kinds;
        }

        var resume = false;
        if (change.Enabled is { } enabled)
        {
            resume = enabled && (!State.Enabled || State.Failing);
            if (resume)
            {
                // From the first undelivered event, with a fresh retry window.
                State.ClearRetry();
                State.Failing = false;
            }

            State.Enabled = enabled;
        }

        await WriteAsync();
        if (Delivering)
        {
            if (resume)
            {
                await RegisterReminderAsync();
            }

            StartPolling();
            await PumpAsync();
        }
        else
        {
            StopTimers();
            await UnregisterReminderAsync();
        }

        return View();
    }

    public async Task<WebhookSecretRotated> RotateSecret()
    {
        if (!State.Exists)
        {
            throw NotFound();
        }

        var expiresAt = timeProvider.GetUtcNow() + _options.SecretOverlap;
        State.PreviousSecret = State.Secret;
        State.PreviousSecretExpiresAt = expiresAt;
        State.Secret = WebhookSigning.NewSecret();
        await WriteAsync();
        WebhookLog.SecretRotated(logger, Key, expiresAt);
        return new WebhookSecretRotated(View().WebhookId, State.Secret, expiresAt);
    }

    public async Task<WebhookView> Replay(long after)
    {
        if (!State.Exists)
        {
            throw NotFound();
        }

        if (after < 0)
        {
            throw new WorkSessionException(ErrorCodes.InvalidCursor, "after must be a feed position (0 or more).");
        }

        Jump();
        State.Position = after;
        State.ClearRetry();
        await WriteAsync();
        WebhookLog.Replayed(logger, Key, after);
        await PumpAsync();
        return View();
    }

    public Task<ReportPage<WebhookDelivery>> GetDeliveries(string? cursor, int limit)
    {
        if (!State.Exists)
        {
            throw NotFound();
        }

        var pageSize = ReportLimits.PageSize(limit);
        long before = long.MaxValue;
        if (cursor is not null && (!long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out before) || before <= 0))
        {
            throw new WorkSessionException(ErrorCodes.InvalidCursor, "That cursor was not handed out by this log; start again without one.");
        }

        var page = State.Log.Where(entry => entry.Sequence < before).Reverse().Take(pageSize + 1).ToList();
        var next = page.Count > pageSize ? page[pageSize - 1].Sequence.ToString(CultureInfo.InvariantCulture) : null;
        return Task.FromResult(new ReportPage<WebhookDelivery>([.. page.Take(pageSize).Select(entry => entry.Delivery)], next));
    }

    public Task Wake() => Delivering ? PumpAsync() : Task.CompletedTask;

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (!Delivering)
        {
            await UnregisterReminderAsync();
            return;
        }

        StartPolling();
        await PumpAsync();
    }

    public async Task Completed(Guid attemptId, int? statusCode, long latencyMs, string? error)
    {
        if (_inFlight is not { } attempt || attempt.Id != attemptId)
        {
            // Sent by an earlier activation: the event goes again from the stored position.
            return;
        }

        _inFlight = null;
        var now = timeProvider.GetUtcNow();
        var delivered = statusCode is >= 200 and <= 299;
        Log(new WebhookDelivery(attempt.Event.EventId, attempt.Event.Position, attempt.Number, attempt.At, statusCode, latencyMs, delivered ? null : error ?? "no answer"));
        if (attempt.Generation != _generation || !State.Exists)
        {
            await WriteAsync();
            await PumpAsync();
            return;
        }

        if (delivered)
        {
            _ahead.Dequeue();
            var wasRetrying = State.RetryEventId is not null;
            State.Position = attempt.Event.Position;
            State.ClearRetry();
            _positionDirty = true;
            if (wasRetrying || now - _lastWriteAt >= _options.PositionWriteInterval)
            {
                await WriteAsync();
            }

            await PumpAsync();
            return;
        }

        if (State.RetryEventId != attempt.Event.EventId)
        {
            State.RetryEventId = attempt.Event.EventId;
            State.FirstFailureAt = now;
        }

        State.FailedAttempts = attempt.Number;
        State.NextAttemptAt = State.Enabled ? _options.Schedule.NextAttempt(attempt.Number, State.FirstFailureAt ?? now, now) : null;
        if (State.Enabled && State.NextAttemptAt is null)
        {
            State.Failing = true;
            WebhookLog.Failing(logger, Key, attempt.Event.EventId, attempt.Number, State.FirstFailureAt ?? now);
        }

        await WriteAsync();
        if (State.Failing)
        {
            StopTimers();
            await UnregisterReminderAsync();
        }
        else if (State.NextAttemptAt is { } due)
        {
            ArmRetry(due, now);
        }
    }

    /// <summary>
    /// Starts the next attempt when there is one to start: nothing in flight, no retry waiting, an event after the
    /// position. Events of kinds the endpoint does not take move the position on without a post.
    /// </summary>
    private async Task PumpAsync()
    {
        while (Delivering && _inFlight is null)
        {
            var now = timeProvider.GetUtcNow();
            if (State.NextAttemptAt is { } due && due > now)
            {
                ArmRetry(due, now);
                return;
            }

            while (_ahead.TryPeek(out var skipped) && !Wanted(skipped))
            {
                _ahead.Dequeue();
                State.Position = skipped.Position;
                _positionDirty = true;
            }

            if (_ahead.Count == 0)
            {
                var (tenantId, _) = WorkSessionsGrains.WebhookIdsOf(Key);
                List<FeedEvent> events;
                try
                {
                    events = await store.ReadEventsAsync(new EventFilter(tenantId, PageSize) { AfterPosition = State.Position }, CancellationToken.None);
                }
                catch (Exception exception)
                {
                    // The database is away: the next poll tries again.
                    WebhookLog.FeedReadFailed(logger, exception, Key);
                    return;
                }

                if (events.Count == 0)
                {
                    if (_positionDirty)
                    {
                        await WriteAsync();
                    }

                    return;
                }

                foreach (var feedEvent in events)
                {
                    _ahead.Enqueue(feedEvent);
                }

                continue;
            }

            Send(_ahead.Peek(), now);
            return;
        }
    }

    private void Send(FeedEvent feedEvent, DateTimeOffset now)
    {
        var number = State.RetryEventId == feedEvent.EventId ? State.FailedAttempts + 1 : 1;
        var attempt = new Attempt(Guid.NewGuid(), feedEvent, number, now, _generation);
        _inFlight = attempt;
        var messageId = feedEvent.EventId.ToString();
        var timestamp = now.ToUnixTimeSeconds();
        var body = WebhookPayload.Serialize(feedEvent);
        var request = new WebhookRequest(new Uri(State.Url), messageId, timestamp, WebhookSigning.Sign(Secrets(now), messageId, timestamp, body), body);

        // Off the grain's scheduler: the answer may take the whole timeout, and the grain answers admins meanwhile.
        var self = _self!;
        var deliveries = sender;
        _ = Task.Run(async () =>
        {
            WebhookOutcome outcome;
            try
            {
                outcome = await deliveries.SendAsync(request, CancellationToken.None);
            }
            catch (Exception exception)
            {
                outcome = new WebhookOutcome(null, TimeSpan.Zero, exception.Message);
            }

            try
            {
                await self.Completed(attempt.Id, outcome.StatusCode, (long)outcome.Latency.TotalMilliseconds, outcome.Error);
            }
            catch (Exception)
            {
                // The activation is gone: the next one sends the event again.
            }
        });
    }

    /// <summary>
    /// The secrets that sign now: during the overlap the previous one first, so that a receiver not yet given the new
    /// secret keeps verifying even with a library that compares only the first signature (StandardWebhooks 1.1.2 does).
    /// </summary>
    private IEnumerable<string> Secrets(DateTimeOffset now) =>
        State.PreviousSecret is { } previous && State.PreviousSecretExpiresAt > now ? [previous, State.Secret] : [State.Secret];

    private bool Wanted(FeedEvent feedEvent) => State.Kinds.Count == 0 || State.Kinds.Contains(feedEvent.Kind, StringComparer.Ordinal);

    /// <summary>The position is about to jump: forget the read-ahead and let the attempt in flight only be logged.</summary>
    private void Jump()
    {
        _generation++;
        _inFlight = null;
        _ahead.Clear();
        _retry?.Dispose();
        _retry = null;
        _retryArmedFor = null;
    }

    private void StartPolling()
    {
        if (_poll is null)
        {
            WebhookLog.Delivering(logger, Key, State.Position);
            _poll = this.RegisterGrainTimer(
                static (grain, _) => grain.PollAsync(), this, new GrainTimerCreationOptions(TimeSpan.Zero, _options.PollInterval) { KeepAlive = true });
        }
    }

    private async Task PollAsync()
    {
        if (_inFlight is { } unanswered && timeProvider.GetUtcNow() - unanswered.At > _options.RequestTimeout * 2)
        {
            // The sender answers within its timeout, so no report long after it means the report back was lost (a dropped
            // call): the attempt counts as unanswered and is retried, rather than the endpoint waiting for a deactivation.
            await Completed(unanswered.Id, null, (long)(timeProvider.GetUtcNow() - unanswered.At).TotalMilliseconds, "no answer reported");
            return;
        }

        if (_positionDirty && timeProvider.GetUtcNow() - _lastWriteAt >= _options.PositionWriteInterval)
        {
            await WriteAsync();
        }

        await PumpAsync();
    }

    private void ArmRetry(DateTimeOffset due, DateTimeOffset now)
    {
        if (_retryArmedFor == due)
        {
            return;
        }

        _retry?.Dispose();
        _retryArmedFor = due;
        _retry = this.RegisterGrainTimer(
            static (grain, _) => grain.PumpAsync(), this, new GrainTimerCreationOptions(due - now, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    private void StopTimers()
    {
        _poll?.Dispose();
        _poll = null;
        _retry?.Dispose();
        _retry = null;
        _retryArmedFor = null;
    }

    private void Log(WebhookDelivery delivery)
    {
        State.LogSequence++;
        State.Log.Add(new LoggedDelivery(State.LogSequence, delivery));
        if (State.Log.Count > _options.DeliveryLogSize)
        {
            State.Log.RemoveRange(0, State.Log.Count - _options.DeliveryLogSize);
        }
    }

    private async Task WriteAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            // Another activation wrote this endpoint (a duplicate during a failover): take its state and go on from there.
            Jump();
            await state.ReadStateAsync();
            throw;
        }

        _positionDirty = false;
        _lastWriteAt = timeProvider.GetUtcNow();
    }

    private async Task RegisterReminderAsync()
    {
        try
        {
            await this.RegisterOrUpdateReminder(ReminderName, _options.ReminderPeriod, _options.ReminderPeriod);
        }
        catch (Exception exception)
        {
            // The poll timer delivers meanwhile; only a lost silo would wait for the next call to bring the endpoint back.
            WebhookLog.ReminderFailed(logger, exception, Key);
        }
    }

    private async Task UnregisterReminderAsync()
    {
        try
        {
            if (await this.GetReminder(ReminderName) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
        }
        catch (Exception exception)
        {
            // A reminder left behind finds nothing to deliver and removes itself.
            WebhookLog.ReminderFailed(logger, exception, Key);
        }
    }

    private WebhookView View() => new(
        WorkSessionsGrains.WebhookIdsOf(Key).WebhookId,
        State.Url,
        State.Kinds,
        State.Description,
        State.Enabled,
        !State.Enabled ? WebhookStatus.Disabled : State.Failing ? WebhookStatus.Failing : WebhookStatus.Active,
        State.CreatedAt,
        State.Position,
        State.NextAttemptAt,
        State.FirstFailureAt,
        State.PreviousSecret is null ? null : State.PreviousSecretExpiresAt);

    internal static List<string> Kinds(IReadOnlyList<string>? kinds)
    {
        if (kinds is null)
        {
            return [];
        }

        var unknown = kinds.FirstOrDefault(kind => !FeedEventKinds.All.Contains(kind, StringComparer.Ordinal));
        if (unknown is not null)
        {
            throw new WorkSessionException(ErrorCodes.InvalidArgument, $"kinds may hold only {string.Join(", ", FeedEventKinds.All)}, not '{unknown}'.");
        }

        return [.. kinds.Distinct(StringComparer.Ordinal)];
    }

    internal static string? Description(string? description) =>
        description is null || description.Length <= WebhookLimits.MaxDescriptionLength
            ? description
            : throw new WorkSessionException(ErrorCodes.InvalidArgument, $"description is at most {WebhookLimits.MaxDescriptionLength} characters.");

    private static WorkSessionException NotFound() => new(ErrorCodes.WebhookNotFound, "The tenant has no such webhook.");

    private sealed record Attempt(Guid Id, FeedEvent Event, int Number, DateTimeOffset At, long Generation);
}
