using WorkSessions.GeneratedClients.NSwag;
using N = WorkSessions.GeneratedClients.NSwag;

namespace WorkSessions.GeneratedClients.Tests;

/// <summary>The API through the client NSwag generates from docs/openapi.json (its defaults: Newtonsoft.Json).</summary>
public sealed class NSwagCaller : IApiCaller, IDisposable
{
    private readonly HttpClient _http;
    private readonly WorkSessionsNSwagClient _client;

    public NSwagCaller(Uri baseAddress, string? token)
    {
        (_http, Tamper) = CallerPipeline.Create(baseAddress, token);
        _client = new WorkSessionsNSwagClient(_http);
    }

    public RequestTamper Tamper { get; }

    public async Task<Preferences> GetPreferencesAsync() => ToPreferences(await _client.GetWorkSessionPreferencesAsync());

    public async Task<Preferences> PutPreferencesAsync(bool enabled, bool autoEnd, int timeout, int grace, string? ifMatch = null) =>
        ToPreferences(await _client.PutWorkSessionPreferencesAsync(
            new N.PreferencesRequest { WorkSessionsEnabled = enabled, AutoEndEnabled = autoEnd, InactivityTimeoutSeconds = timeout, GracePeriodSeconds = grace },
            ifMatch));

    public async Task<IReadOnlyList<string>> GetStatusReasonsAsync() => [.. (await _client.GetMyStatusReasonsAsync()).NotReadyReasons];

    public async Task<View> GetMineAsync() => ToView(await _client.GetMyWorkSessionAsync());

    public async Task<View> StartAsync(string? status = null, string? reason = null) =>
        ToView(await _client.StartMyWorkSessionAsync(new N.StartSessionRequest { Status = status is null ? null : CallerPipeline.Parse<N.AgentStatus>(status), Reason = reason }));

    public Task HeartbeatAsync() => _client.RecordMyActivityAsync();

    public async Task<View> SetStatusAsync(string status, string? reason = null) =>
        ToView(await _client.SetMyStatusAsync(new N.SetStatusRequest { Status = CallerPipeline.Parse<N.AgentStatus>(status), Reason = reason }));

    public async Task<View> ContinueAsync() => ToView(await _client.ContinueMyWorkSessionAsync());

    public async Task<Ended> EndMineAsync() => ToEnded(await _client.EndMyWorkSessionAsync());

    public async Task<Page<View>> RosterAsync(string? cursor = null, int? limit = null)
    {
        var page = await _client.ListOpenWorkSessionsAsync("open", cursor, limit);
        return new([.. page.Items.Select(ToView)], page.NextCursor);
    }

    public async Task<View> GetAgentAsync(string agentId) => ToView(await _client.GetAgentWorkSessionAsync(agentId));

    public async Task<Ended> EndAgentAsync(string agentId, string? note) =>
        ToEnded(await _client.EndAgentWorkSessionAsync(agentId, new N.EndSessionRequest { Note = note }));

    public async Task<Page<SessionRow>> SessionsAsync(string from, string to, string? agentId = null, string? endReason = null, string? cursor = null, int? limit = null)
    {
        var page = await _client.ReportWorkSessionsAsync(from, to, agentId, endReason, cursor, limit, format: null);
        return new([.. page.Items.Select(row => new SessionRow(row.SessionId, row.AgentId, CallerPipeline.Wire(row.EndReason), row.EndedBy, row.Note))], page.NextCursor);
    }

    public async Task<Page<TimecardLine>> TimecardsAsync(string from, string to, string? timeZone = null, string? cursor = null, int? limit = null)
    {
        var page = await _client.ReportTimecardsAsync(from, to, timeZone, agentId: null, cursor, limit, format: null);
        return new([.. page.Items.Select(row => new TimecardLine(
            row.AgentId, DateOnly.FromDateTime(row.Date.Date), row.Sessions, row.SessionSeconds, row.NotReadyByReason.ToDictionary(entry => entry.Key, entry => entry.Value)))], page.NextCursor);
    }

    public async Task<Page<StatusChange>> StatusHistoryAsync(string agentId, string from, string to, string? cursor = null, int? limit = null)
    {
        var page = await _client.ReportAgentStatusHistoryAsync(agentId, from, to, cursor, limit, format: null);
        return new([.. page.Items.Select(row => new StatusChange(
            CallerPipeline.Wire(row.From), CallerPipeline.Wire(row.To), row.Reason, CallerPipeline.Wire(row.Actor.Role), row.Actor.UserId))], page.NextCursor);
    }

    public async Task<Page<ConcurrencyLine>> ConcurrencyAsync(string from, string to, string? interval = null)
    {
        var page = await _client.ReportConcurrencyAsync(from, to, interval);
        return new([.. page.Items.Select(row => new ConcurrencyLine(row.Start, row.Peak, row.Average))], page.NextCursor);
    }

    public async Task<string> CreateWebhookAsync(string url) => (await _client.CreateWebhookAsync(new N.CreateWebhookRequest { Url = url })).WebhookId;

    public async Task<string> GetWebhookAsync(string webhookId) => (await _client.GetWebhookAsync(webhookId)).Url;

    public async Task<string> GetTeamAsync(string teamId) => (await _client.GetTeamAsync(teamId)).Name;

    public async Task<Page<PreferenceLine>> PreferenceHistoryAsync(string? cursor = null, int? limit = null)
    {
        var page = await _client.ListWorkSessionPreferenceChangesAsync(cursor, limit);
        return new([.. page.Items.Select(row => new PreferenceLine(row.Version, row.UpdatedBy, row.WorkSessionsEnabled, row.InactivityTimeoutSeconds))], page.NextCursor);
    }

    public async Task<Page<FeedLine>> EventsAsync(string? after = null, int? limit = null)
    {
        var page = await _client.ReadEventFeedAsync(after, limit);
        return new([.. page.Items.Select(row => new FeedLine(
            row.Position, row.Kind, row.AgentId, CallerPipeline.Wire(row.From), CallerPipeline.Wire(row.To), row.Reason,
            CallerPipeline.Wire(row.Cause), row.Session is null ? null : CallerPipeline.Wire(row.Session.EndReason), row.Preferences?.Version))], page.NextCursor);
    }

    public async Task<Problem> ProblemOfAsync(Func<IApiCaller, Task> call)
    {
        // NSwag throws ApiException<ProblemDetails> for every problem status the document declares.
        var problem = await Assert.ThrowsAsync<ApiException<N.ProblemDetails>>(() => call(this));
        Assert.Equal(problem.StatusCode, problem.Result.Status);
        return new Problem(problem.StatusCode, problem.Result.Code, problem.Result.Title);
    }

    public void Dispose() => _http.Dispose();

    private Preferences ToPreferences(N.PreferencesResponse preferences) => new(
        preferences.Version,
        Tamper.LastResponseHeaders?.ETag?.ToString(),
        preferences.WorkSessionsEnabled,
        preferences.AutoEndEnabled,
        preferences.InactivityTimeoutSeconds,
        preferences.GracePeriodSeconds,
        [.. preferences.NotReadyReasons]);

    private static View ToView(N.AgentView view) => new(
        view.AgentId,
        CallerPipeline.Wire(view.State),
        CallerPipeline.Wire(view.Status),
        view.StatusReason,
        view.Session?.SessionId,
        view.Prompt?.Deadline);

    private static Ended ToEnded(N.SessionRecord record) => new(record.SessionId, CallerPipeline.Wire(record.EndReason), record.EndedBy, record.Note);
}
