using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace WorkSessions.Gateway.Hosting;

/// <summary>
/// The web console (docs/architecture.md#console): static HTML, CSS and ES modules under <c>/console/</c>, served by the
/// Gateway itself with a strict Content-Security-Policy. There is no build step: the files are served as written.
/// </summary>
public static class ConsoleSetup
{
    public const string RequestPath = "/console";

    /// <summary>
    /// Only the console's own files run and load: no inline script or style, no other origin, no framing. The pages
    /// talk to the API on the same origin with <c>fetch</c>.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// The content root's <c>wwwroot/console</c> when there is one (<c>dotnet run --project src/Gateway</c> serves the
    /// files being edited), else the copy next to the Gateway's assembly (Gateway.csproj copies them), so the console is
    /// there whatever the working directory: a published folder, or a test host running the built Gateway.
    /// </summary>
    public static string FilesDirectory(IHostEnvironment environment)
    {
        var underContentRoot = Path.Combine(environment.ContentRootPath, "wwwroot", "console");
        return Directory.Exists(underContentRoot) ? underContentRoot : Path.Combine(AppContext.BaseDirectory, "wwwroot", "console");
    }

    /// <summary>Redirects <c>/</c> to the console and serves its files with the security headers.</summary>
    public static WebApplication UseWorkSessionsConsole(this WebApplication app)
    {
        var directory = FilesDirectory(app.Environment);
        if (!Directory.Exists(directory))
        {
            app.Logger.LogWarning("The console's files are missing at {Directory}; /console/ answers 404.", directory);
            return app;
        }

        var files = new PhysicalFileProvider(directory);
        app.Use(async (context, next) =>
        {
            // Routing would match "/console/" to a "/console" route too, so the bare path is redirected here instead.
            if (context.Request.Path.Value == RequestPath && HttpMethods.IsGet(context.Request.Method))
            {
                context.Response.Redirect(RequestPath + "/");
                return;
            }

            if (context.Request.Path.StartsWithSegments(RequestPath))
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers.XFrameOptions = "DENY";
            }

            await next(context);
        });
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files, RequestPath = RequestPath, DefaultFileNames = ["index.html"] });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            RequestPath = RequestPath,
            ContentTypeProvider = new FileExtensionContentTypeProvider(),
            // Small files that change with each deployment: the browser revalidates rather than running yesterday's module.
            OnPrepareResponse = context => context.Context.Response.Headers.CacheControl = "no-cache",
        });
        app.MapGet("/", () => Results.Redirect(RequestPath + "/")).ExcludeFromDescription();
        // The sign-in page asks how to sign in here rather than probing the token route (a 404 or 405 would be a console error).
        var settings = new ConsoleSettings(Apis.DevTokensApi.IsAvailable(app.Environment, app.Services.GetRequiredService<Auth.AuthOptions>()));
        app.MapGet(RequestPath + "/settings.json", () => TypedResults.Ok(settings)).ExcludeFromDescription();
        return app;
    }
}

/// <summary>What the console's sign-in page needs to know about this Gateway.</summary>
/// <param name="DevelopmentSignIn">Whether <c>POST /api/v1/dev/tokens</c> exists (Development only).</param>
public sealed record ConsoleSettings(bool DevelopmentSignIn);
