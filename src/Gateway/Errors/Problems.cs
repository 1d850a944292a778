using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Orleans.Runtime;
using Orleans.Storage;
using WorkSessions.Contracts;

namespace WorkSessions.Gateway.Errors;

/// <summary>One stable problem code: its HTTP status, its title and what to say when nothing more specific is known.</summary>
/// <param name="Code">The stable <c>code</c> of the problem details.</param>
/// <param name="Status">The HTTP status it is answered with.</param>
/// <param name="Title">A short, fixed title for people.</param>
/// <param name="Detail">The default detail.</param>
public sealed record ProblemType(string Code, int Status, string Title, string Detail);

/// <summary>Every rejection the Gateway answers, as RFC 9457 problem details with a stable <c>code</c>: one table.</summary>
public static class Problems
{
    public const string InvalidRequest = "invalid_request";
    public const string Unauthorized = "unauthorized";
    public const string Forbidden = "forbidden";
    public const string NoRole = "no_role";
    public const string NotFound = "not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string PayloadTooLarge = "payload_too_large";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string ConcurrentUpdate = "concurrent_update";
    public const string RateLimited = "rate_limited";
    public const string InternalError = "internal_error";
    public const string ServiceUnavailable = "service_unavailable";

    /// <summary>The <c>Retry-After</c> of every 503, in seconds.</summary>
    public const string RetryAfterSeconds = "2";

    /// <summary>Every code the Gateway answers, the domain's (<see cref="ErrorCodes"/>) and its own.</summary>
    public static IReadOnlyDictionary<string, ProblemType> Table { get; } = new ProblemType[]
    {
        new(InvalidRequest, StatusCodes.Status400BadRequest, "Malformed request", "The request could not be processed."),
        new(ErrorCodes.InvalidId, StatusCodes.Status400BadRequest, "Invalid id", "An id does not match its pattern."),
        new(ErrorCodes.InvalidStatus, StatusCodes.Status400BadRequest, "Status not allowed", "That status cannot be set now."),
        new(ErrorCodes.InvalidPreferences, StatusCodes.Status400BadRequest, "Invalid preferences", "The four settings are required, within their bounds; not-ready reasons are 1 to 20 distinct texts of 1 to 40 characters."),
        new(ErrorCodes.InvalidArgument, StatusCodes.Status400BadRequest, "Invalid request", "An argument cannot be used."),
        new(ErrorCodes.InvalidRange, StatusCodes.Status400BadRequest, "Invalid range", "from, to and since are ISO 8601 times with an offset; from before to, at most 93 days apart."),
        new(ErrorCodes.InvalidCursor, StatusCodes.Status400BadRequest, "Invalid cursor", "That cursor or position was not handed out by this report; start again without one."),
        new(ErrorCodes.InvalidTimeZone, StatusCodes.Status400BadRequest, "Invalid time zone", "timeZone is an IANA time zone name, such as Europe/Berlin."),
        new(ErrorCodes.InvalidInterval, StatusCodes.Status400BadRequest, "Invalid interval", "interval is an ISO 8601 duration of at least PT1M, such as PT15M."),
        new(ErrorCodes.InvalidWebhookUrl, StatusCodes.Status400BadRequest, "Webhook URL refused", "A webhook URL is absolute, without user info, https and public outside Development, except the hosts in Webhooks:AllowedHosts."),
        new(Unauthorized, StatusCodes.Status401Unauthorized, "Authentication required", "Send a valid bearer token."),
        new(Forbidden, StatusCodes.Status403Forbidden, "Forbidden", "Your role does not allow this."),
        new(NoRole, StatusCodes.Status403Forbidden, "No role", "Your token is valid but carries none of the values the Gateway maps to agent, supervisor or admin (Auth:Claims:Role, Auth:Roles)."),
        new(NotFound, StatusCodes.Status404NotFound, "Not found", "There is no such resource."),
        new(ErrorCodes.AgentNotFound, StatusCodes.Status404NotFound, "No such agent", "The tenant has no such agent."),
        new(ErrorCodes.WebhookNotFound, StatusCodes.Status404NotFound, "No such webhook", "The tenant has no such webhook."),
        new(ErrorCodes.TeamNotFound, StatusCodes.Status404NotFound, "No such team", "The tenant has no such team."),
        new(MethodNotAllowed, StatusCodes.Status405MethodNotAllowed, "Method not allowed", "The resource does not support this method."),
        new(ErrorCodes.NoOpenSession, StatusCodes.Status409Conflict, "No open work session", "Start a work session first."),
        new(ErrorCodes.WorkSessionsDisabled, StatusCodes.Status409Conflict, "Work sessions are turned off", "Work sessions are turned off for this tenant."),
        new(ErrorCodes.WebhookLimit, StatusCodes.Status409Conflict, "Too many webhooks", "A tenant has at most 10 webhooks; delete one first."),
        new(ConcurrentUpdate, StatusCodes.Status409Conflict, "Concurrent update", "The state changed in storage meanwhile; retry the request."),
        new(ErrorCodes.VersionMismatch, StatusCodes.Status412PreconditionFailed, "Changed meanwhile", "The preferences or the team changed since you read them: read them again and retry."),
        new(PayloadTooLarge, StatusCodes.Status413PayloadTooLarge, "Request body too large", "The request body exceeds the allowed size."),
        new(UnsupportedMediaType, StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "Send the body as UTF-8 JSON (application/json)."),
        new(RateLimited, StatusCodes.Status429TooManyRequests, "Too many requests", "Slow down; see Retry-After."),
        new(InternalError, StatusCodes.Status500InternalServerError, "Internal error", "Something went wrong on our side."),
        new(ServiceUnavailable, StatusCodes.Status503ServiceUnavailable, "Service unavailable", "The cluster cannot serve this right now; retry after the Retry-After seconds."),
    }.ToDictionary(type => type.Code, StringComparer.Ordinal);

    /// <summary>The entry of a code; an unknown code is an invalid request rather than an exception.</summary>
    /// <param name="code">A stable code.</param>
    public static ProblemType For(string code) => Table.TryGetValue(code, out var type) ? type : Table[InvalidRequest];

    /// <summary>The HTTP status of each code.</summary>
    /// <param name="code">A stable code.</param>
    public static int StatusFor(string code) => For(code).Status;

    /// <summary>Writes the problem of <paramref name="code"/>, with its default detail unless one is given.</summary>
    /// <param name="context">The request.</param>
    /// <param name="code">A code of <see cref="Table"/>.</param>
    /// <param name="detail">What went wrong this time, if more is known.</param>
    public static Task WriteAsync(HttpContext context, string code, string? detail = null)
    {
        var type = For(code);
        return WriteAsync(context, type.Status, type.Code, type.Title, detail ?? type.Detail);
    }

    /// <summary>
    /// Writes problem details whatever the request's <c>Accept</c> says: the registered writer declines a client that
    /// does not accept JSON (a CSV client sends <c>Accept: text/csv</c>), and such a client still needs the status and
    /// the code rather than an empty 500.
    /// </summary>
    private static async Task WriteAsync(HttpContext context, int status, string code, string title, string detail)
    {
        context.Response.StatusCode = status;
        if (status == StatusCodes.Status503ServiceUnavailable && !context.Response.Headers.ContainsKey(Microsoft.Net.Http.Headers.HeaderNames.RetryAfter))
        {
            // The cluster recovers within seconds (a silo declared dead, a restart): tell clients when to come back.
            context.Response.Headers.RetryAfter = RetryAfterSeconds;
        }

        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail, Extensions = { ["code"] = code } };
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        if (await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }))
        {
            return;
        }

        await context.Response.WriteAsJsonAsync(problem, ProblemJson.Options, contentType: "application/problem+json");
    }

    /// <summary>
    /// Problem details for a rejection that left only a status code: minimal APIs answer a body over the size limit
    /// (413) or a wrong content type (415) that way, and routing an unknown path (404) or method (405).
    /// </summary>
    public static Task WriteForBareStatusAsync(StatusCodeContext context) =>
        WriteAsync(context.HttpContext, CodeForStatus(context.HttpContext.Response.StatusCode));

    /// <summary>The code of a rejection known only by its status; the response keeps that status.</summary>
    /// <param name="status">An HTTP status.</param>
    public static string CodeForStatus(int status) => status switch
    {
        StatusCodes.Status413PayloadTooLarge => PayloadTooLarge,
        StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType,
        StatusCodes.Status404NotFound => NotFound,
        StatusCodes.Status405MethodNotAllowed => MethodNotAllowed,
        StatusCodes.Status401Unauthorized => Unauthorized,
        StatusCodes.Status403Forbidden => Forbidden,
        StatusCodes.Status429TooManyRequests => RateLimited,
        >= 500 => InternalError,
        _ => InvalidRequest,
    };

    /// <summary>
    /// Declares the problem codes an endpoint answers besides those every endpoint of its kind can
    /// (<see cref="Hosting.OpenApiContract"/> adds those); the document gets one problem response per status, naming its codes.
    /// </summary>
    /// <param name="builder">The endpoint.</param>
    /// <param name="codes">Codes of <see cref="Table"/> the endpoint can answer.</param>
    public static RouteHandlerBuilder ProducesProblems(this RouteHandlerBuilder builder, params string[] codes)
    {
        foreach (var code in codes)
        {
            if (!Table.ContainsKey(code))
            {
                throw new ArgumentException($"'{code}' is not in the problem table.", nameof(codes));
            }
        }

        return builder.WithMetadata(new ProblemCodes(codes));
    }
}

/// <summary>Problem codes an endpoint declares it can answer (<see cref="Problems.ProducesProblems"/>).</summary>
/// <param name="Codes">Codes of <see cref="Problems.Table"/>.</param>
public sealed record ProblemCodes(IReadOnlyList<string> Codes);

/// <summary>The serializer settings of problem details written without the registered writer.</summary>
internal static class ProblemJson
{
    public static readonly System.Text.Json.JsonSerializerOptions Options = new(System.Text.Json.JsonSerializerDefaults.Web);
}

/// <summary>
/// Maps exceptions to problem details in one place: domain rejections keep their code, malformed requests
/// are 400s, an overloaded or unreachable cluster is a 503. Anything else is a 500 that says nothing internal.
/// </summary>
internal sealed partial class ProblemExceptionHandler(ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (code, detail) = CodeFor(exception);

        if (Problems.StatusFor(code) >= 500)
        {
            LogFailure(logger, exception, context.Request.Method, context.Request.Path);
        }

        await Problems.WriteAsync(context, code, detail);
        return true;
    }

    /// <summary>The problem code of an exception and, when it says more than the code's default, its detail.</summary>
    /// <param name="exception">What a request threw.</param>
    public static (string Code, string? Detail) CodeFor(Exception exception) =>
        exception switch
        {
            WorkSessionException rejection => (rejection.Code, rejection.Message),
            BadHttpRequestException { StatusCode: StatusCodes.Status400BadRequest } bad => (Problems.InvalidRequest, Describe(bad)),
            BadHttpRequestException bad => (Problems.CodeForStatus(bad.StatusCode), null),
            InconsistentStateException => (Problems.ConcurrentUpdate, null),
            _ when Resilience.TransientFailures.IsTransient(exception) => (Problems.ServiceUnavailable, null),
            _ => (Problems.InternalError, (string?)null),
        };

    private static string Describe(BadHttpRequestException exception) =>
        exception.InnerException is System.Text.Json.JsonException json
            ? $"The body is not valid for this endpoint at {json.Path ?? "$"}: malformed JSON, an unknown field or a wrong type."
            : exception.Message;

    [LoggerMessage(LogLevel.Error, "Request {Method} {Path} failed")]
    private static partial void LogFailure(ILogger logger, Exception exception, string method, string path);
}
