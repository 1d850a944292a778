using Microsoft.Net.Http.Headers;

namespace WorkSessions.Gateway.Errors;

/// <summary>
/// Bodies are UTF-8 JSON. A request to an endpoint that reads a body and names another or an unknown character set is
/// refused with <c>415 unsupported_media_type</c> before model binding, whose JSON reader would otherwise throw an
/// error that surfaces as a 500.
/// </summary>
public static class Utf8JsonBodies
{
    public static IApplicationBuilder UseUtf8JsonBodies(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        // Only where a body is read: elsewhere the body is ignored, and an unknown route or method stays a 404 or 405.
        if (context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>() is not null
            && context.Request.ContentType is { } contentType
            && MediaTypeHeaderValue.TryParse(contentType, out var mediaType)
            && mediaType.Charset.HasValue
            && !IsUtf8(mediaType.Charset.Value))
        {
            await Problems.WriteAsync(context, Problems.UnsupportedMediaType, "Send the body as UTF-8 JSON (application/json; charset=utf-8).");
            return;
        }

        await next(context);
    });

    private static bool IsUtf8(string? charset) =>
        string.Equals(charset, "utf-8", StringComparison.OrdinalIgnoreCase) || string.Equals(charset, "utf8", StringComparison.OrdinalIgnoreCase);
}
