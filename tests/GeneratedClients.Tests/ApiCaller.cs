using System.Net.Http.Headers;
using System.Reflection;
using System.Runtime.Serialization;
using WorkSessions.Gateway.Tests;

namespace WorkSessions.GeneratedClients.Tests;

/// <summary>An agent's state as either generated client reads it; enums as their wire names.</summary>
public sealed record View(string AgentId, string State, string Status, string? StatusReason, Guid? SessionId, DateTimeOffset? PromptDeadline);

/// <summary>A session record (an end's answer).</summary>
public sealed record Ended(Guid SessionId, string EndReason, string? EndedBy, string? Note);

/// <summary>The preferences with the version their <c>ETag</c> names.</summary>
public sealed record Preferences(long Version, string? ETag, bool WorkSessionsEnabled, bool AutoEndEnabled, int InactivityTimeoutSeconds, int GracePeriodSeconds, IReadOnlyList<string> NotReadyReasons);

/// <summary>One page of a list.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

public sealed record SessionRow(Guid SessionId, string AgentId, string? EndReason, string? EndedBy, string? Note);

public sealed record TimecardLine(string AgentId, DateOnly Date, int Sessions, double SessionSeconds, IReadOnlyDictionary<string, double> NotReadyByReason);

public sealed record StatusChange(string From, string To, string? Reason, string ActorRole, string? ActorUserId);

public sealed record ConcurrencyLine(DateTimeOffset Start, int Peak, double Average);

public sealed record PreferenceLine(long Version, string? UpdatedBy, bool WorkSessionsEnabled, int InactivityTimeoutSeconds);

public sealed record FeedLine(long Position, string Kind, string? AgentId, string? From, string? To, string? Reason, string? Cause, string? EndReason, long? PreferencesVersion);

/// <summary>A problem as the generated client's own exception type carries it.</summary>
public sealed record Problem(int Status, string? Code, string? Title);

/// <summary>
/// One caller (one token) of the API through one generated client. Each method is one operation of the document;
/// the implementations only translate the generated types into these records, so both clients walk the same steps.
/// </summary>
public interface IApiCaller
{
    /// <summary>The requests this caller sends, to change one on its way or answer it without the Gateway.</summary>
    RequestTamper Tamper { get; }

    Task<Preferences> GetPreferencesAsync();

    Task<Preferences> PutPreferencesAsync(bool enabled, bool autoEnd, int timeout, int grace, string? ifMatch = null);

    Task<IReadOnlyList<string>> GetStatusReasonsAsync();

    Task<View> GetMineAsync();

    Task<View> StartAsync(string? status = null, string? reason = null);

    Task HeartbeatAsync();

    Task<View> SetStatusAsync(string status, string? reason = null);

    Task<View> ContinueAsync();

    Task<Ended> EndMineAsync();

    Task<Page<View>> RosterAsync(string? cursor = null, int? limit = null);

    Task<View> GetAgentAsync(string agentId);

    Task<Ended> EndAgentAsync(string agentId, string? note);

    Task<Page<SessionRow>> SessionsAsync(string from, string to, string? agentId = null, string? endReason = null, string? cursor = null, int? limit = null);

    Task<Page<TimecardLine>> TimecardsAsync(string from, string to, string? timeZone = null, string? cursor = null, int? limit = null);

    Task<Page<StatusChange>> StatusHistoryAsync(string agentId, string from, string to, string? cursor = null, int? limit = null);

    Task<Page<ConcurrencyLine>> ConcurrencyAsync(string from, string to, string? interval = null);

    Task<Page<PreferenceLine>> PreferenceHistoryAsync(string? cursor = null, int? limit = null);

    Task<Page<FeedLine>> EventsAsync(string? after = null, int? limit = null);

    /// <summary>Creates a webhook endpoint; returns its id.</summary>
    Task<string> CreateWebhookAsync(string url);

    /// <summary>Reads a webhook endpoint; returns its URL.</summary>
    Task<string> GetWebhookAsync(string webhookId);

    /// <summary><c>GET /teams/{teamId}</c>; returns the team's name.</summary>
    Task<string> GetTeamAsync(string teamId);

    /// <summary>Runs a call that must fail and returns its problem, read through the generated client's exception type.</summary>
    Task<Problem> ProblemOfAsync(Func<IApiCaller, Task> call);
}

/// <summary>
/// The first handler of a caller's pipeline: changes the next request (a body the generated client would never send)
/// or answers it itself (a failure no request can cause), and remembers the last response's headers.
/// </summary>
public sealed class RequestTamper(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    public Action<HttpRequestMessage>? NextRequest { get; set; }

    public Func<HttpRequestMessage, HttpResponseMessage>? NextResponse { get; set; }

    public HttpResponseHeaders? LastResponseHeaders { get; private set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var change = NextRequest;
        var answer = NextResponse;
        (NextRequest, NextResponse) = (null, null);
        change?.Invoke(request);
        var response = answer is null ? await base.SendAsync(request, cancellationToken) : answer(request);
        response.RequestMessage ??= request;
        LastResponseHeaders = response.Headers;
        return response;
    }
}

public static class CallerPipeline
{
    /// <summary>
    /// A client of the Gateway with a bearer token (or none): the tamper handler, then the check of every response
    /// against the served document (the Gateway's own tests' validator), then the socket.
    /// </summary>
    public static (HttpClient Http, RequestTamper Tamper) Create(Uri baseAddress, string? token)
    {
        var sockets = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, UseProxy = false, ResponseDrainTimeout = TimeSpan.Zero };
        var tamper = new RequestTamper(new OpenApiValidatingHandler(sockets));
        var http = new HttpClient(tamper) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return (http, tamper);
    }

    /// <summary>The wire name of a generated enum value (its <c>[EnumMember]</c>), as the API writes it.</summary>
    public static string Wire<TEnum>(TEnum value) where TEnum : struct, Enum =>
        typeof(TEnum).GetField(value.ToString())!.GetCustomAttribute<EnumMemberAttribute>()?.Value ?? value.ToString();

    public static string? Wire<TEnum>(TEnum? value) where TEnum : struct, Enum => value is { } known ? Wire(known) : null;

    /// <summary>The generated enum value of a wire name.</summary>
    public static TEnum Parse<TEnum>(string wire) where TEnum : struct, Enum =>
        Enum.GetValues<TEnum>().Single(value => Wire(value) == wire);
}
