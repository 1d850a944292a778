using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.Contracts.Webhooks;
using WorkSessions.Hosting;
using WorkSessions.Storage;

namespace WorkSessions.Webhooks;

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
    private readonly WebhookOptions _options = options.Value;
    private readonly EndpointCursor _cursor = new();
    private readonly WebhookPoster _poster = new(sender);
    private DeliveryTimers? _timers;
    private bool _positionDirty;
    private DateTimeOffset _lastWriteAt = DateTimeOffset.MinValue;
    private IWebhookDeliverer? _self;

    private WebhookGrainState State => state.State;

    private string Key => this.GetPrimaryKeyString();

    private DeliveryTimers Timers => _timers ??= new(this, PollAsync, PumpAsync);

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
        var kinds = WebhookSettingsRules.Kinds(settings.Kinds);
        var description = WebhookSettingsRules.Description(settings.Description);
        var (tenantId, _) = WorkSessionsGrains.WebhookIdsOf(Key);

        // New events only: the feed's history is there for a replay.
        var position = await store.ReadLatestPositionAsync(tenantId, CancellationToken.None);
        state.State = WebhookGrainState.New(url.AbsoluteUri, kinds, description, timeProvider.GetUtcNow(), createdBy, position);
        await WriteAsync();
        await WebhookReminder.RegisterAsync(this, _options.ReminderPeriod, logger, Key);
        StartPolling();
        WebhookLog.Created(logger, Key, createdBy);
        var view = View();
        return new WebhookCreated(view.WebhookId, view.Status, State.Secret, view);
    }

    public async Task Delete()
    {
        EnsureExists();
        Jump();
        _timers?.Stop();
        await state.ClearStateAsync();
        state.State = new WebhookGrainState();
        await WebhookReminder.UnregisterAsync(this, logger, Key);
        WebhookLog.Deleted(logger, Key);
        DeactivateOnIdle();
    }

    public Task<WebhookView> Get()
    {
        EnsureExists();
        return Task.FromResult(View());
    }

    public async Task<WebhookView> Update(WebhookChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        EnsureExists();
        var url = change.Url is null ? null : _options.UrlRules.Check(change.Url).AbsoluteUri;
        var kinds = change.Kinds is null ? null : WebhookSettingsRules.Kinds(change.Kinds);
        var resume = State.Change(url, kinds, change.Enabled, Jump);
        await WriteAsync();
        if (Delivering)
        {
            if (resume)
            {
                await WebhookReminder.RegisterAsync(this, _options.ReminderPeriod, logger, Key);
            }

            StartPolling();
            await PumpAsync();
        }
        else
        {
            _timers?.Stop();
            await WebhookReminder.UnregisterAsync(this, logger, Key);
        }

        return View();
    }

    public async Task<WebhookSecretRotated> RotateSecret()
    {
        EnsureExists();
        var expiresAt = timeProvider.GetUtcNow() + _options.SecretOverlap;
        State.RotateSecret(expiresAt);
        await WriteAsync();
        WebhookLog.SecretRotated(logger, Key, expiresAt);
        return new WebhookSecretRotated(View().WebhookId, State.Secret, expiresAt);
    }

    public async Task<WebhookView> Replay(long after)
    {
        EnsureExists();

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
        EnsureExists();
        return Task.FromResult(State.LogPage(cursor, ReportLimits.PageSize(limit)));
    }

    public Task Wake() => Delivering ? PumpAsync() : Task.CompletedTask;

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (!Delivering)
        {
            await WebhookReminder.UnregisterAsync(this, logger, Key);
            return;
        }

        StartPolling();
        await PumpAsync();
    }

    public async Task Completed(Guid attemptId, int? statusCode, long latencyMs, string? error)
    {
        var delivered = statusCode is >= 200 and <= 299;
        if (_cursor.Finish(attemptId, delivered) is not var (attempt, counts))
        {
            // Sent by an earlier activation: the event goes again from the stored position.
            return;
        }

        var now = timeProvider.GetUtcNow();
        State.AddToLog(
            new WebhookDelivery(attempt.Event.EventId, attempt.Event.Position, attempt.Number, attempt.At, statusCode, latencyMs, delivered ? null : error ?? "no answer"),
            _options.DeliveryLogSize);
        if (!counts || !State.Exists)
        {
            await WriteAsync();
            await PumpAsync();
            return;
        }

        if (delivered)
        {
            var wasRetrying = State.Delivered(attempt.Event.Position);
            _positionDirty = true;
            if (wasRetrying || now - _lastWriteAt >= _options.PositionWriteInterval)
            {
                await WriteAsync();
            }

            await PumpAsync();
            return;
        }

        var failing = State.Failed(attempt.Event.EventId, attempt.Number, now, _options.Schedule);
        if (failing)
        {
            WebhookLog.Failing(logger, Key, attempt.Event.EventId, attempt.Number, State.FirstFailureAt ?? now);
        }

        await WriteAsync();
        if (failing)
        {
            _timers?.Stop();
            await WebhookReminder.UnregisterAsync(this, logger, Key);
        }
        else if (State.NextAttemptAt is { } due)
        {
            Timers.ArmRetry(due, now);
        }
    }

    /// <summary>
    /// Starts the next attempt when there is one to start: nothing in flight, no retry waiting, an event after the
    /// position. Events of kinds the endpoint does not take move the position on without a post.
    /// </summary>
    private async Task PumpAsync()
    {
        while (Delivering && _cursor.InFlight is null)
        {
            var now = timeProvider.GetUtcNow();
            if (State.NextAttemptAt is { } due && due > now)
            {
                Timers.ArmRetry(due, now);
                return;
            }

            if (_cursor.SkipUnwanted(State.Takes) is { } passed)
            {
                State.Position = passed;
                _positionDirty = true;
            }

            if (_cursor.NeedsEvents)
            {
                if (await WebhookFeed.ReadAsync(store, WorkSessionsGrains.WebhookIdsOf(Key).TenantId, State.Position, logger, Key) is not { } events)
                {
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

                _cursor.Append(events);
                continue;
            }

            _poster.Post(_self!, _cursor.Start(State.AttemptNumberOf, now), State.Url, State.SigningSecrets(now));
            return;
        }
    }

    /// <summary>The position is about to jump: forget the read-ahead and let the attempt in flight only be logged.</summary>
    private void Jump()
    {
        _cursor.Jump();
        _timers?.CancelRetry();
    }

    private void StartPolling()
    {
        if (Timers.StartPolling(_options.PollInterval))
        {
            WebhookLog.Delivering(logger, Key, State.Position);
        }
    }

    private async Task PollAsync()
    {
        if (_cursor.Overdue(timeProvider.GetUtcNow(), _options.RequestTimeout) is { } unanswered)
        {
            // The report back was lost (a dropped call): the attempt counts as unanswered and is retried, rather than the
            // endpoint waiting for a deactivation.
            await Completed(unanswered.Id, null, (long)(timeProvider.GetUtcNow() - unanswered.At).TotalMilliseconds, "no answer reported");
            return;
        }

        if (_positionDirty && timeProvider.GetUtcNow() - _lastWriteAt >= _options.PositionWriteInterval)
        {
            await WriteAsync();
        }

        await PumpAsync();
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

    private WebhookView View() => State.ToView(WorkSessionsGrains.WebhookIdsOf(Key).WebhookId);

    private void EnsureExists()
    {
        if (!State.Exists)
        {
            throw new WorkSessionException(ErrorCodes.WebhookNotFound, "The tenant has no such webhook.");
        }
    }
}
