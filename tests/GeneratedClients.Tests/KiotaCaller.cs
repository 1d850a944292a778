using System.Globalization;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;
using WorkSessions.GeneratedClients.Kiota;
using K = WorkSessions.GeneratedClients.Kiota.Models;

namespace WorkSessions.GeneratedClients.Tests;

/// <summary>The API through the client Kiota generates from docs/openapi.json.</summary>
public sealed class KiotaCaller : IApiCaller, IDisposable
{
    private readonly HttpClient _http;
    private readonly WorkSessionsKiotaClient _client;

    public KiotaCaller(Uri baseAddress, string? token)
    {
        (_http, Tamper) = CallerPipeline.Create(baseAddress, token);
        // The document has no servers: the base address is the caller's to give.
        var adapter = new HttpClientRequestAdapter(new AnonymousAuthenticationProvider(), httpClient: _http) { BaseUrl = baseAddress.ToString().TrimEnd('/') };
        _client = new WorkSessionsKiotaClient(adapter);
    }

    public RequestTamper Tamper { get; }

    private Kiota.Api.V1.V1RequestBuilder Api => _client.Api.V1;

    public async Task<Preferences> GetPreferencesAsync() => ToPreferences(await Api.Preferences.WorkSessions.GetAsync());

    public async Task<Preferences> PutPreferencesAsync(bool enabled, bool autoEnd, int timeout, int grace, string? ifMatch = null)
    {
        var body = new K.PreferencesRequest { WorkSessionsEnabled = enabled, AutoEndEnabled = autoEnd, InactivityTimeoutSeconds = timeout, GracePeriodSeconds = grace };
        return ToPreferences(await Api.Preferences.WorkSessions.PutAsync(body, config =>
        {
            if (ifMatch is not null)
            {
                config.Headers.Add("If-Match", ifMatch);
            }
        }));
    }

    public async Task<IReadOnlyList<string>> GetStatusReasonsAsync() => (await Api.Me.StatusReasons.GetAsync())!.NotReadyReasons!;

    public async Task<View> GetMineAsync() => ToView(await Api.Me.WorkSession.GetAsync());

    public async Task<View> StartAsync(string? status = null, string? reason = null) =>
        ToView(await Api.Me.WorkSession.PostAsync(new K.StartSessionRequest { Status = status is null ? null : CallerPipeline.Parse<K.AgentStatus>(status), Reason = reason }));

    public Task HeartbeatAsync() => Api.Me.WorkSession.Activity.PostAsync();

    public async Task<View> SetStatusAsync(string status, string? reason = null) =>
        ToView(await Api.Me.Status.PutAsync(new K.SetStatusRequest { Status = CallerPipeline.Parse<K.AgentStatus>(status), Reason = reason }));

    public async Task<View> ContinueAsync() => ToView(await Api.Me.WorkSession.Continue.PostAsync());

    public async Task<Ended> EndMineAsync() => ToEnded(await Api.Me.WorkSession.DeleteAsync());

    public async Task<Page<View>> RosterAsync(string? cursor = null, int? limit = null)
    {
        var page = await Api.WorkSessions.GetAsync(config =>
        {
            config.QueryParameters.State = "open";
            config.QueryParameters.Cursor = cursor;
            config.QueryParameters.Limit = limit;
        });
        return new([.. page!.Items!.Select(ToView)], page.NextCursor);
    }

    public async Task<View> GetAgentAsync(string agentId) => ToView(await Api.Agents[agentId].WorkSession.GetAsync());

    public async Task<Ended> EndAgentAsync(string agentId, string? note) =>
        ToEnded(await Api.Agents[agentId].WorkSession.End.PostAsync(new K.EndSessionRequest { Note = note }));

    public async Task<Page<SessionRow>> SessionsAsync(string from, string to, string? agentId = null, string? endReason = null, string? cursor = null, int? limit = null)
    {
        var page = await Api.Reports.WorkSessions.GetAsync(config =>
        {
            config.QueryParameters.From = from;
            config.QueryParameters.To = to;
            config.QueryParameters.AgentId = agentId;
            config.QueryParameters.EndReason = endReason;
            config.QueryParameters.Cursor = cursor;
            config.QueryParameters.Limit = limit;
        });
        return new([.. page!.Items!.Select(row => new SessionRow(row.SessionId!.Value, row.AgentId!, CallerPipeline.Wire(row.EndReason), row.EndedBy, row.Note))], page.NextCursor);
    }

    public async Task<Page<TimecardLine>> TimecardsAsync(string from, string to, string? timeZone = null, string? cursor = null, int? limit = null)
    {
        var page = await Api.Reports.Timecards.GetAsync(config =>
        {
            config.QueryParameters.From = from;
            config.QueryParameters.To = to;
            config.QueryParameters.TimeZone = timeZone;
            config.QueryParameters.Cursor = cursor;
            config.QueryParameters.Limit = limit;
        });
        return new([.. page!.Items!.Select(row => new TimecardLine(
            row.AgentId!,
            new DateOnly(row.Date!.Value.Year, row.Date.Value.Month, row.Date.Value.Day),
            row.Sessions!.Value,
            row.SessionSeconds!.Value,
            row.NotReadyByReason!.AdditionalData.ToDictionary(entry => entry.Key, entry => Convert.ToDouble(entry.Value, CultureInfo.InvariantCulture))))], page.NextCursor);
    }

    public async Task<Page<StatusChange>> StatusHistoryAsync(string agentId, string from, string to, string? cursor = null, int? limit = null)
    {
        var page = await Api.Agents[agentId].StatusHistory.GetAsync(config =>
        {
            config.QueryParameters.From = from;
            config.QueryParameters.To = to;
            config.QueryParameters.Cursor = cursor;
            config.QueryParameters.Limit = limit;
        });
        return new([.. page!.Items!.Select(row => new StatusChange(
            CallerPipeline.Wire(row.From!.Value), CallerPipeline.Wire(row.To!.Value), row.Reason, CallerPipeline.Wire(row.Actor!.Role!.Value), row.Actor.UserId))], page.NextCursor);
    }

    public async Task<Page<ConcurrencyLine>> ConcurrencyAsync(string from, string to, string? interval = null)
    {
        var page = await Api.Reports.Concurrency.GetAsync(config =>
        {
            config.QueryParameters.From = from;
            config.QueryParameters.To = to;
            config.QueryParameters.Interval = interval;
        });
        return new([.. page!.Items!.Select(row => new ConcurrencyLine(row.Start!.Value, row.Peak!.Value, row.Average!.Value))], page.NextCursor);
    }

    public async Task<string> CreateWebhookAsync(string url) =>
        (await Api.Webhooks.PostAsync(new K.CreateWebhookRequest { Url = url }))!.WebhookId!;

    public async Task<string> GetWebhookAsync(string webhookId) => (await Api.Webhooks[webhookId].GetAsync())!.Url!;

    public async Task<string> GetTeamAsync(string teamId) => (await Api.Teams[teamId].GetAsync())!.Name!;

    public async Task<Page<PreferenceLine>> PreferenceHistoryAsync(string? cursor = null, int? limit = null)
    {
        var page = await Api.Preferences.WorkSessions.History.GetAsync(config =>
        {
            config.QueryParameters.Cursor = cursor;
            config.QueryParameters.Limit = limit;
        });
        return new([.. page!.Items!.Select(row => new PreferenceLine(row.Version!.Value, row.UpdatedBy, row.WorkSessionsEnabled!.Value, row.InactivityTimeoutSeconds!.Value))], page.NextCursor);
    }

    public async Task<Page<FeedLine>> EventsAsync(string? after = null, int? limit = null)
    {
        var page = await Api.Events.GetAsync(config =>
        {
            config.QueryParameters.After = after;
            config.QueryParameters.Limit = limit;
        });
        return new([.. page!.Items!.Select(row => new FeedLine(
            row.Position!.Value, row.Kind!, row.AgentId, CallerPipeline.Wire(row.From), CallerPipeline.Wire(row.To), row.Reason,
            CallerPipeline.Wire(row.Cause), CallerPipeline.Wire(row.Session?.EndReason), row.Preferences?.Version))], page.NextCursor);
    }

    public async Task<Problem> ProblemOfAsync(Func<IApiCaller, Task> call)
    {
        // Kiota maps every problem status the document declares to its ProblemDetails, an ApiException.
        var problem = await Assert.ThrowsAsync<K.ProblemDetails>(() => call(this));
        Assert.Equal(problem.ResponseStatusCode, problem.Status);
        return new Problem(problem.ResponseStatusCode, problem.Code, problem.Title);
    }

    public void Dispose() => _http.Dispose();

    private Preferences ToPreferences(K.PreferencesResponse? preferences) => new(
        preferences!.Version!.Value,
        Tamper.LastResponseHeaders?.ETag?.ToString(),
        preferences.WorkSessionsEnabled!.Value,
        preferences.AutoEndEnabled!.Value,
        preferences.InactivityTimeoutSeconds!.Value,
        preferences.GracePeriodSeconds!.Value,
        preferences.NotReadyReasons!);

    private static View ToView(K.AgentView? view) => new(
        view!.AgentId!,
        CallerPipeline.Wire(view.State!.Value),
        CallerPipeline.Wire(view.Status!.Value),
        view.StatusReason,
        view.Session?.SessionId,
        view.Prompt?.Deadline);

    private static Ended ToEnded(K.SessionRecord? record) =>
        new(record!.SessionId!.Value, CallerPipeline.Wire(record.EndReason!.Value), record.EndedBy, record.Note);
}
