using System.Globalization;
using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.Contracts.Webhooks;

namespace WorkSessions.Webhooks;

/// <summary>One endpoint's persisted state: its settings, secrets, delivery position, retry schedule and recent attempts.</summary>
internal sealed class WebhookGrainState
{
    public bool Exists { get; set; }

    public string Url { get; set; } = "";

    public List<string> Kinds { get; set; } = [];

    public string? Description { get; set; }

    public bool Enabled { get; set; }

    /// <summary>The retry window ran out; deliveries wait for an admin's <c>enabled: true</c>.</summary>
    public bool Failing { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public string? CreatedBy { get; set; }

    /// <summary>The signing secret. Stored as it is: the silo needs it to sign.</summary>
    public string Secret { get; set; } = "";

    public string? PreviousSecret { get; set; }

    public DateTimeOffset? PreviousSecretExpiresAt { get; set; }

    /// <summary>The feed position of the last event delivered with a 2xx (or passed over for its kind).</summary>
    public long Position { get; set; }

    /// <summary>The event being retried, its failed attempts, its first failure and when the next attempt is due.</summary>
    public Guid? RetryEventId { get; set; }

    public int FailedAttempts { get; set; }

    public DateTimeOffset? FirstFailureAt { get; set; }

    public DateTimeOffset? NextAttemptAt { get; set; }

    /// <summary>The sequence number of the latest attempt logged.</summary>
    public long LogSequence { get; set; }

    /// <summary>The latest attempts, oldest first, at most <c>Webhooks:DeliveryLogSize</c>.</summary>
    public List<LoggedDelivery> Log { get; set; } = [];

    /// <summary>A new endpoint, enabled, with a new secret, delivering the events after <paramref name="position"/>.</summary>
    public static WebhookGrainState New(string url, List<string> kinds, string? description, DateTimeOffset now, string createdBy, long position) => new()
    {
        Exists = true,
        Url = url,
        Kinds = kinds,
        Description = description,
        Enabled = true,
        CreatedAt = now,
        CreatedBy = createdBy,
        Secret = WebhookSigning.NewSecret(),
        Position = position,
    };

    /// <summary>Whether the endpoint takes events of <paramref name="feedEvent"/>'s kind: every kind when none is listed.</summary>
    public bool Takes(FeedEvent feedEvent) => Kinds.Count == 0 || Kinds.Contains(feedEvent.Kind, StringComparer.Ordinal);

    /// <summary>The event at <paramref name="position"/> got a 2xx: the position moves on and any retry is over.</summary>
    /// <returns>True when it had been retried (the position is then worth writing at once).</returns>
    public bool Delivered(long position)
    {
        var wasRetrying = RetryEventId is not null;
        Position = position;
        ClearRetry();
        return wasRetrying;
    }

    /// <summary>A new secret signs from now on; the current one keeps signing beside it until <paramref name="previousExpiresAt"/>.</summary>
    public void RotateSecret(DateTimeOffset previousExpiresAt)
    {
        PreviousSecret = Secret;
        PreviousSecretExpiresAt = previousExpiresAt;
        Secret = WebhookSigning.NewSecret();
    }

    public void ClearRetry()
    {
        RetryEventId = null;
        FailedAttempts = 0;
        FirstFailureAt = null;
        NextAttemptAt = null;
    }

    /// <summary>The number of the next attempt at <paramref name="eventId"/>: one more than its failures, 1 for a new event.</summary>
    public int AttemptNumberOf(Guid eventId) => RetryEventId == eventId ? FailedAttempts + 1 : 1;

    /// <summary>
    /// Counts a failed attempt of <paramref name="eventId"/> and schedules the next one; while enabled, a failure past
    /// the retry window makes the endpoint failing.
    /// </summary>
    /// <returns>True when this failure made the endpoint failing.</returns>
    public bool Failed(Guid eventId, int attemptNumber, DateTimeOffset now, RetrySchedule schedule)
    {
        if (RetryEventId != eventId)
        {
            RetryEventId = eventId;
            FirstFailureAt = now;
        }

        FailedAttempts = attemptNumber;
        NextAttemptAt = Enabled ? schedule.NextAttempt(attemptNumber, FirstFailureAt ?? now, now) : null;
        if (Enabled && NextAttemptAt is null)
        {
            Failing = true;
            return true;
        }

        return false;
    }

    /// <summary>
    /// The secrets that sign now: during the overlap the previous one first, so that a receiver not yet given the new
    /// secret keeps verifying even with a library that compares only the first signature (StandardWebhooks 1.1.2 does).
    /// </summary>
    public IReadOnlyList<string> SigningSecrets(DateTimeOffset now) =>
        PreviousSecret is { } previous && PreviousSecretExpiresAt > now ? [previous, Secret] : [Secret];

    /// <summary>Logs an attempt, keeping the latest <paramref name="keep"/>.</summary>
    public void AddToLog(WebhookDelivery delivery, int keep)
    {
        LogSequence++;
        Log.Add(new LoggedDelivery(LogSequence, delivery));
        if (Log.Count > keep)
        {
            Log.RemoveRange(0, Log.Count - keep);
        }
    }

    /// <summary>A page of the logged attempts, newest first, before the <paramref name="cursor"/> a previous page handed out.</summary>
    /// <exception cref="WorkSessionException"><c>invalid_cursor</c> for a cursor this log did not hand out.</exception>
    public ReportPage<WebhookDelivery> LogPage(string? cursor, int limit)
    {
        var before = long.MaxValue;
        if (cursor is not null && (!long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out before) || before <= 0))
        {
            throw new WorkSessionException(ErrorCodes.InvalidCursor, "That cursor was not handed out by this log; start again without one.");
        }

        var page = Log.Where(entry => entry.Sequence < before).Reverse().Take(limit + 1).ToList();
        var next = page.Count > limit ? page[limit - 1].Sequence.ToString(CultureInfo.InvariantCulture) : null;
        return new ReportPage<WebhookDelivery>([.. page.Take(limit).Select(entry => entry.Delivery)], next);
    }

    /// <summary>
    /// Applies an admin's change of URL, kinds or enabled (the URL and kinds already checked). A new URL or new kinds
    /// jump the position's attempts (<paramref name="jump"/>): one to the old URL, or of a kind no longer wanted, no
    /// longer counts. Enabling a disabled or failing endpoint resumes it from the first undelivered event with a fresh
    /// retry window.
    /// </summary>
    /// <returns>True when the change resumed deliveries.</returns>
    public bool Change(string? url, List<string>? kinds, bool? enabled, Action jump)
    {
        if ((url is not null && url != Url) || (kinds is not null && !kinds.SequenceEqual(Kinds)))
        {
            jump();
            Url = url ?? Url;
            Kinds = kinds ?? Kinds;
        }

        if (enabled is not { } enable)
        {
            return false;
        }

        var resume = enable && (!Enabled || Failing);
        if (resume)
        {
            ClearRetry();
            Failing = false;
        }

        Enabled = enable;
        return resume;
    }

    /// <summary>The endpoint as admins read it.</summary>
    public WebhookView ToView(string webhookId) => new(
        webhookId,
        Url,
        Kinds,
        Description,
        Enabled,
        !Enabled ? WebhookStatus.Disabled : Failing ? WebhookStatus.Failing : WebhookStatus.Active,
        CreatedAt,
        Position,
        NextAttemptAt,
        FirstFailureAt,
        PreviousSecret is null ? null : PreviousSecretExpiresAt);
}

/// <summary>One logged attempt with its sequence number (the deliveries log's cursor).</summary>
internal sealed record LoggedDelivery(long Sequence, WebhookDelivery Delivery);

/// <summary>The tenant's endpoint ids, oldest first.</summary>
internal sealed class WebhookRegistryState
{
    public List<string> WebhookIds { get; set; } = [];
}
