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

    /// <summary>The page the identity provider sends a renewal without a prompt back to, inside the console's own iframe.</summary>
    public const string SilentCallbackPage = RequestPath + "/silent-callback.html";

    /// <summary>
    /// The policy with OpenID Connect sign-in (docs/architecture.md#console-sign-in): besides the console's own origin, the
    /// pages may fetch from the identity provider (its metadata, keys and token endpoint) and frame it for a renewal
    /// without a prompt (whose answer comes back to the console's own silent-callback page in that frame). Nothing of it runs as script in the console's pages; sign-in and sign-out are navigations to it.
    /// </summary>
    /// <param name="authorityOrigin">The identity provider's origin (scheme, host, port), or null without one.</param>
    /// <param name="framedBySelf">For <see cref="SilentCallbackPage"/>: the console's own iframe may show it.</param>
    public static string ContentSecurityPolicyFor(string? authorityOrigin, bool framedBySelf = false)
    {
        if (authorityOrigin is null && !framedBySelf)
        {
            return ContentSecurityPolicy;
        }

        var provider = authorityOrigin is null ? "" : " " + authorityOrigin;
        return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + $"connect-src 'self'{provider}; frame-src{(authorityOrigin is null ? " 'none'" : " 'self'" + provider)}; "
            + "font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; "
            + $"frame-ancestors {(framedBySelf ? "'self'" : "'none'")}";
    }

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
        var settings = new ConsoleSettings(
            Apis.DevTokensApi.IsAvailable(app.Environment, app.Services.GetRequiredService<Auth.AuthOptions>()),
            OidcSettings(app.Configuration, app.Services.GetRequiredService<Auth.AuthOptions>()));
        var authorityOrigin = settings.Oidc is null ? null : new Uri(settings.Oidc.Authority).GetLeftPart(UriPartial.Authority);
        var pagePolicy = ContentSecurityPolicyFor(authorityOrigin);
        var silentCallbackPolicy = ContentSecurityPolicyFor(authorityOrigin, framedBySelf: true);
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
                // Only the silent-renewal callback may be framed, and only by the console itself.
                var framedBySelf = context.Request.Path.Equals(SilentCallbackPage, StringComparison.Ordinal);
                headers.ContentSecurityPolicy = framedBySelf ? silentCallbackPolicy : pagePolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers.XFrameOptions = framedBySelf ? "SAMEORIGIN" : "DENY";
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
        app.MapGet(RequestPath + "/settings.json", () => TypedResults.Ok(settings)).ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// The console's OpenID Connect client from <c>Console:Oidc</c> and <c>Auth:Authority</c>, or null without a client
    /// id. A client id without an authority, an authority that is not an absolute http(s) URL, or scopes without
    /// <c>openid</c> stop the Gateway at start: a console that cannot sign anyone in is found at deploy, not by its users.
    /// </summary>
    public static ConsoleOidcSettings? OidcSettings(IConfiguration configuration, Auth.AuthOptions auth)
    {
        var options = configuration.GetSection(ConsoleOptions.SectionName).Get<ConsoleOptions>() ?? new ConsoleOptions();
        var client = options.Oidc;
        if (string.IsNullOrWhiteSpace(client.ClientId))
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(auth.Authority))
        {
            throw new InvalidOperationException("Console:Oidc:ClientId needs Auth:Authority: the console signs in with the identity provider that issues the API's tokens.");
        }

        if (!Uri.TryCreate(auth.Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http"))
        {
            throw new InvalidOperationException($"Auth:Authority '{auth.Authority}' is not an absolute http(s) URL.");
        }

        var scope = string.IsNullOrWhiteSpace(client.Scope) ? ConsoleOidcOptions.DefaultScope : client.Scope.Trim();
        if (!scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("openid", StringComparer.Ordinal))
        {
            throw new InvalidOperationException($"Console:Oidc:Scope '{scope}' must include 'openid'.");
        }

        return new ConsoleOidcSettings(auth.Authority.TrimEnd('/'), client.ClientId.Trim(), scope, string.IsNullOrWhiteSpace(client.Resource) ? null : client.Resource.Trim());
    }
}

/// <summary>What the console's sign-in page needs to know about this Gateway.</summary>
/// <param name="DevelopmentSignIn">Whether <c>POST /api/v1/dev/tokens</c> exists (Development only).</param>
/// <param name="Oidc">How to sign in with the identity provider, or null when the console has no OpenID Connect client.</param>
public sealed record ConsoleSettings(bool DevelopmentSignIn, ConsoleOidcSettings? Oidc);

/// <summary>The console's OpenID Connect client: a public client (no secret) running the code flow with PKCE.</summary>
/// <param name="Authority">The identity provider (<c>Auth:Authority</c>); its metadata is at <c>.well-known/openid-configuration</c>.</param>
/// <param name="ClientId">The console's client id at the provider (<c>Console:Oidc:ClientId</c>).</param>
/// <param name="Scope">The scopes the console asks for (<c>Console:Oidc:Scope</c>).</param>
/// <param name="Resource">The resource indicator (RFC 8707) sent for access tokens of this API, when the provider needs one (<c>Console:Oidc:Resource</c>).</param>
public sealed record ConsoleOidcSettings(string Authority, string ClientId, string Scope, string? Resource);

/// <summary>The <c>Console</c> section: the console's OpenID Connect client (README, "Signing in with your identity provider").</summary>
public sealed class ConsoleOptions
{
    public const string SectionName = "Console";

    /// <summary>The console's OpenID Connect client; sign-in with the provider is on when its client id is set.</summary>
    public ConsoleOidcOptions Oidc { get; set; } = new();
}

/// <summary>The <c>Console:Oidc</c> section.</summary>
public sealed class ConsoleOidcOptions
{
    /// <summary>The scopes asked for when none are configured: an ID token, the profile and a refresh token.</summary>
    public const string DefaultScope = "openid profile offline_access";

    /// <summary>The console's client id, registered at the provider as a public client with the console's redirect URIs.</summary>
    public string? ClientId { get; set; }

    /// <summary>The scopes to ask for; <see cref="DefaultScope"/> unless set. <c>openid</c> is required.</summary>
    public string Scope { get; set; } = DefaultScope;

    /// <summary>A resource indicator for the API's access tokens, for providers that need one to issue a JWT for it.</summary>
    public string? Resource { get; set; }
}
