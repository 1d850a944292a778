using System.Diagnostics;
using System.Globalization;

namespace WorkSessions.TestSupport;

/// <summary>
/// A real OpenID Provider (<c>tools/oidc-provider/server.mjs</c>: the <c>oidc-provider</c> npm package, pinned by its
/// package-lock.json; test.sh runs <c>npm ci --prefix tools/oidc-provider</c>) as a child process on a free loopback
/// port. Its users, clients and audiences are described at the top of server.mjs.
/// </summary>
public sealed class OidcProviderProcess : ProductProcess
{
    /// <summary>What server.mjs prints once it accepts requests.</summary>
    public const string ReadyLine = "oidc-provider ready";

    /// <summary>The audience of the API's access tokens (a resource indicator: an absolute URI).</summary>
    public const string Audience = "urn:work-sessions";

    /// <summary>An audience the provider also issues tokens for: a token for it is not for this API.</summary>
    public const string OtherAudience = "urn:other-api";

    /// <summary>The console's client id (a public client: no secret, PKCE S256).</summary>
    public const string ConsoleClientId = "work-sessions-console";

    /// <summary>The confidential client of client-credentials tokens (tenant and the admin role), and its secret.</summary>
    public const string MachineClientId = "test-machine";

    public const string MachineClientSecret = "test-machine-secret";

    /// <summary>Every user's password at this provider.</summary>
    public const string Password = "pass";

    private OidcProviderProcess(ProcessStartInfo start, int port)
        : base(start)
    {
        Port = port;
    }

    public int Port { get; }

    /// <summary>The issuer and authority, e.g. <c>http://127.0.0.1:41234</c> (no trailing slash, as the provider names itself).</summary>
    public string Issuer => $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Starts a provider and waits for its ready line.</summary>
    /// <param name="consoleOrigin">The Gateway whose console is the public client (its redirect URIs).</param>
    /// <param name="tenant">The tenant every user's tokens carry.</param>
    /// <param name="accessTokenLifetime">How long access tokens live.</param>
    /// <param name="keysFile">A JWKS file shared by providers started with the same path (written by the first).</param>
    public static async Task<OidcProviderProcess> StartAsync(Uri consoleOrigin, string tenant, TimeSpan accessTokenLifetime, string? keysFile = null)
    {
        var directory = Path.Combine(RepositoryPaths.Root, "tools", "oidc-provider");
        if (!Directory.Exists(Path.Combine(directory, "node_modules", "oidc-provider")))
        {
            // Fail, never skip: sign-in that silently goes untested would pass CI unseen.
            throw new InvalidOperationException($"{directory}/node_modules/oidc-provider does not exist. Install it: npm ci --prefix tools/oidc-provider (./test.sh does).");
        }

        var port = LoopbackPorts.Take(1)[0];
        var start = new ProcessStartInfo("node") { WorkingDirectory = directory };
        foreach (var argument in new[]
                 {
                     "server.mjs",
                     "--port", port.ToString(CultureInfo.InvariantCulture),
                     "--console", consoleOrigin.GetLeftPart(UriPartial.Authority),
                     "--tenant", tenant,
                     "--audience", Audience,
                     "--access-token-seconds", ((int)accessTokenLifetime.TotalSeconds).ToString(CultureInfo.InvariantCulture),
                 })
        {
            start.ArgumentList.Add(argument);
        }

        if (keysFile is not null)
        {
            start.ArgumentList.Add("--keys");
            start.ArgumentList.Add(keysFile);
        }

        var provider = new OidcProviderProcess(start, port);
        try
        {
            if (!await provider.WaitForOutputAsync(ReadyLine, TimeSpan.FromSeconds(60)))
            {
                throw new InvalidOperationException($"The OpenID provider did not start (exit code {provider.ExitCode}). Its output:\n{provider.Output}");
            }

            return provider;
        }
        catch
        {
            await provider.DisposeAsync();
            throw;
        }
    }
}
