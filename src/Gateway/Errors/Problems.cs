using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Orleans.Runtime;
using Orleans.Storage;
using WorkSessions.Contracts;

namespace WorkSessions.Gateway.Errors;

/// <summary>Every rejection the Gateway answers, as RFC 9457 problem details with a stable <c>code</c>.</summary>
public static class Problems
{
    public const string InvalidRequest = "invalid_request";

    /// <summary>The HTTP status of each domain rejection code.</summary>
    public static int StatusFor(string code) => code switch
    {
        ErrorCodes.NoOpenSession or ErrorCodes.WorkSessionsDisabled => StatusCodes.Status409Conflict,
        ErrorCodes.VersionMismatch => StatusCodes.Status412PreconditionFailed,
        ErrorCodes.AgentNotFound => StatusCodes.Status404NotFound,
        ErrorCodes.InvalidPreferences or ErrorCodes.InvalidStatus or ErrorCodes.InvalidId or ErrorCodes.InvalidArgument => StatusCodes.Status400BadRequest,
        _ => StatusCodes.Status400BadRequest,
    };

    /// <summary>
    /// Writes problem details whatever the request's <c>Accept</c> says: the registered writer declines a client that
    /// does not accept JSON (a CSV client sends <c>Accept: text/csv</c>), and such a client still needs the status and
    /// the code rather than an empty 500.
    /// </summary>
    public static async Task WriteAsync(HttpContext context, int status, string code, string title, string detail)
    {
        context.Response.StatusCode = status;
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
    public static Task WriteForBareStatusAsync(StatusCodeContext context)
    {
        var status = context.HttpContext.Response.StatusCode;
        var (code, title, detail) = DescribeStatus(status);
        return WriteAsync(context.HttpContext, status, code, title, detail);
    }

    /// <summary>The code, title and detail of a rejection known only by its status.</summary>
    public static (string Code, string Title, string Detail) DescribeStatus(int status) => status switch
        {
            StatusCodes.Status413PayloadTooLarge => ("payload_too_large", "Request body too large", "The request body exceeds the allowed size."),
            StatusCodes.Status415UnsupportedMediaType => ("unsupported_media_type", "Unsupported media type", "Send the body as application/json."),
            StatusCodes.Status404NotFound => ("not_found", "Not found", "There is no such resource."),
            StatusCodes.Status405MethodNotAllowed => ("method_not_allowed", "Method not allowed", "The resource does not support this method."),
            >= 500 => ("internal_error", "Internal error", "Something went wrong on our side."),
            _ => (InvalidRequest, "Malformed request", "The request could not be processed."),
        };

    public static string Title(string code) => code switch
    {
        ErrorCodes.NoOpenSession => "No open work session",
        ErrorCodes.WorkSessionsDisabled => "Work sessions are turned off",
        ErrorCodes.InvalidPreferences => "Invalid preferences",
        ErrorCodes.InvalidStatus => "Status not allowed",
        ErrorCodes.VersionMismatch => "Preferences changed meanwhile",
        ErrorCodes.InvalidId => "Invalid id",
        ErrorCodes.AgentNotFound => "No such agent",
        _ => "Invalid request",
    };
}

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
        var (status, code, title, detail) = exception switch
        {
            WorkSessionException rejection => (Problems.StatusFor(rejection.Code), rejection.Code, Problems.Title(rejection.Code), rejection.Message),
            BadHttpRequestException { StatusCode: StatusCodes.Status400BadRequest } bad =>
                (StatusCodes.Status400BadRequest, Problems.InvalidRequest, "Malformed request", Describe(bad)),
            BadHttpRequestException bad => Described(bad.StatusCode),
            InconsistentStateException => (StatusCodes.Status409Conflict, "concurrent_update",
                "Concurrent update", "The agent's state changed in storage meanwhile; retry the request."),
            TimeoutException or SiloUnavailableException or OrleansMessageRejectionException or GatewayTooBusyException =>
                (StatusCodes.Status503ServiceUnavailable, "service_unavailable", "Service unavailable", "The cluster did not answer in time; retry shortly."),
            _ => (StatusCodes.Status500InternalServerError, "internal_error", "Internal error", "Something went wrong on our side."),
        };

        if (status >= 500)
        {
            LogFailure(logger, exception, context.Request.Method, context.Request.Path);
        }

        await Problems.WriteAsync(context, status, code, title, detail);
        return true;
    }

    private static (int Status, string Code, string Title, string Detail) Described(int status)
    {
        var (code, title, detail) = Problems.DescribeStatus(status);
        return (status, code, title, detail);
    }

    private static string Describe(BadHttpRequestException exception) =>
        exception.InnerException is System.Text.Json.JsonException json
            ? $"The body is not valid for this endpoint at {json.Path ?? "$"}: malformed JSON, an unknown field or a wrong type."
            : exception.Message;

    [LoggerMessage(LogLevel.Error, "Request {Method} {Path} failed")]
    private static partial void LogFailure(ILogger logger, Exception exception, string method, string path);
}
