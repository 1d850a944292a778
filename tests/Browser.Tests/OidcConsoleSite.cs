using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using WorkSessions.TestSupport;

namespace WorkSessions.Browser.Tests;

/// <summary>
/// A console whose Gateway trusts a real OpenID Provider (<see cref="OidcProviderProcess"/>, on loopback) and signs in
/// with it: <c>Auth:Authority</c>, <c>Auth:Audience</c> and <c>Console:Oidc:ClientId</c> set. The provider's access tokens
/// live <see cref="AccessTokenLifetime"/>, short enough that a test sees one expire while a page stays open. All its users
/// are in <see cref="Tenant"/>, where work sessions are on.
/// </summary>
public sealed class OidcConsoleSite : ConsoleSite
{
    /// <summary>Short, so a test outlives a token; long enough that a busy machine renews well before the expiry.</summary>
    public static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromSeconds(15);

    private readonly string _keysFile = Path.Combine(Path.GetTempPath(), $"oidc-keys-{Guid.NewGuid():N}.json");

    public string Tenant { get; } = TestIds.NewTenantId();

    public OidcProviderProcess Provider { get; private set; } = null!;

    protected override async Task<GatewayProcess> StartGatewayAsync()
    {
        var port = LoopbackPorts.Take(1)[0];
        Provider = await OidcProviderProcess.StartAsync(new Uri($"http://127.0.0.1:{port}"), Tenant, AccessTokenLifetime, _keysFile);
        return await StartGatewayAsync(
            [
                $"Auth:Authority={Provider.Issuer}",
                $"Auth:Audience={OidcProviderProcess.Audience}",
                $"Console:Oidc:ClientId={OidcProviderProcess.ConsoleClientId}",
                // The provider's roles as Keycloak names them (tools/oidc-provider/server.mjs): the console must learn
                // the caller's roles from the Gateway's mapping, since the token carries none of our role names.
                "Auth:Claims:Role=realm_access.roles",
                "Auth:Roles:Agent=wfm-agent",
                "Auth:Roles:Supervisor=wfm-supervisor",
                "Auth:Roles:Admin=wfm-admin",
            ],
            port);
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        // Work sessions on, no auto-end: the agent's session stays open for as long as the test looks at it.
        using var request = new HttpRequestMessage(HttpMethod.Put, "api/v1/preferences/work-sessions")
        {
            Content = JsonContent.Create(new { workSessionsEnabled = true, autoEndEnabled = false, inactivityTimeoutSeconds = 600, gracePeriodSeconds = 60 }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await MachineTokenAsync(Provider, OidcProviderProcess.Audience));
        using var response = await Http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Setting the preferences answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}\nGateway output:\n{Gateway.Output}");
        }
    }

    /// <summary>Another provider with the same signing key on another port: its tokens differ from the first's only by their issuer.</summary>
    public Task<OidcProviderProcess> StartOtherProviderAsync() =>
        OidcProviderProcess.StartAsync(Gateway.Address, Tenant, AccessTokenLifetime, _keysFile);

    /// <summary>A client-credentials access token of <paramref name="provider"/> for <paramref name="audience"/> (tenant, admin role).</summary>
    public async Task<string> MachineTokenAsync(OidcProviderProcess provider, string audience)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, provider.Issuer + "/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["resource"] = audience }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{OidcProviderProcess.MachineClientId}:{OidcProviderProcess.MachineClientSecret}")));
        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"The provider's token endpoint answered {(int)response.StatusCode}: {body}");
        }

        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Provider is not null)
        {
            await Provider.DisposeAsync();
        }

        File.Delete(_keysFile);
    }
}
