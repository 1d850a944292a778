using System.Net;
using System.Text.Json.Nodes;
using WorkSessions.Contracts;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// Tokens shaped as Keycloak, Microsoft Entra ID and Okta issue them are accepted with the role their values map to,
/// under the README's recipes; a token whose values map to no role is <c>403 no_role</c>; a token without a valid
/// tenant is <c>401</c>.
/// </summary>
public sealed class IdentityProviderTests
{
    [Theory]
    [MemberData(nameof(IdentityProvider.All), MemberType = typeof(IdentityProvider))]
    public async Task ProviderShapedTokens_WorkWithTheRoleTheirValuesMapTo(string name)
    {
        var provider = IdentityProvider.Named(name);
        await using var gateway = provider.Gateway();
        var http = gateway.Start();
        var tenant = provider.FixedTenant ?? (name == "entra" ? Guid.NewGuid().ToString() : GatewayFixture.NewTenantId());
        var admin = new ApiClient(http, provider.Token(tenant, "admin-1", "admin"));
        var supervisor = new ApiClient(http, provider.Token(tenant, "sup-1", "supervisor"));
        var agent = new ApiClient(http, provider.Token(tenant, "alice", "agent"));

        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync(Paths.Preferences, new
        {
            workSessionsEnabled = true,
            autoEndEnabled = false,
            inactivityTimeoutSeconds = 600,
            gracePeriodSeconds = 60,
        })).StatusCode);
        var started = await agent.PostAsync(Paths.MyWorkSession);
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        // The agent is the mapped subject, not the provider's sub.
        Assert.Equal("alice", (string?)JsonNode.Parse(await started.Content.ReadAsStringAsync())?["agentId"]);

        // Same tenant: the supervisor sees alice.
        var roster = await supervisor.GetAsync(Paths.Roster);
        Assert.Equal(HttpStatusCode.OK, roster.StatusCode);
        Assert.Contains("\"alice\"", await roster.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Each role only where it belongs.
        Assert.Equal((HttpStatusCode.Forbidden, "forbidden"), await StatusAsync(supervisor.GetAsync(Paths.MyWorkSession)));
        Assert.Equal((HttpStatusCode.Forbidden, "forbidden"), await StatusAsync(agent.GetAsync(Paths.Roster)));
        Assert.Equal((HttpStatusCode.Forbidden, "forbidden"), await StatusAsync(supervisor.GetAsync(Paths.Preferences)));

        // Several mapped roles all apply: a lead who also takes calls.
        var both = new ApiClient(http, provider.Token(tenant, "lead-1", "agent", "supervisor"));
        Assert.Equal(HttpStatusCode.OK, (await both.GetAsync(Paths.MyWorkSession)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await both.GetAsync(Paths.Roster)).StatusCode);

        // What the console reads to pick a page: the mapped user, tenant and roles, not the provider's claims.
        var identity = JsonNode.Parse(await (await both.GetAsync("/api/v1/me/identity")).Content.ReadAsStringAsync())!;
        Assert.Equal("lead-1", (string?)identity["userId"]);
        Assert.Equal(tenant, (string?)identity["tenantId"]);
        Assert.Equal(["agent", "supervisor"], identity["roles"]!.AsArray().Select(role => (string?)role));
        var adminIdentity = JsonNode.Parse(await (await admin.GetAsync("/api/v1/me/identity")).Content.ReadAsStringAsync())!;
        Assert.Equal(["admin"], adminIdentity["roles"]!.AsArray().Select(role => (string?)role));
    }

    [Theory]
    [MemberData(nameof(IdentityProvider.All), MemberType = typeof(IdentityProvider))]
    public async Task ATokenWhoseValuesMapToNoRole_IsForbiddenWithNoRole(string name)
    {
        var provider = IdentityProvider.Named(name);
        await using var gateway = provider.Gateway();
        var http = gateway.Start();
        var tenant = provider.FixedTenant ?? (name == "entra" ? Guid.NewGuid().ToString() : GatewayFixture.NewTenantId());

        // Our own role names mean nothing once the provider's values are configured, and neither does a stray 'role' claim.
        var unmapped = provider.Payload(tenant, "alice", ["agent", "admin", "Everyone"]);
        unmapped["role"] = new[] { "admin", "agent" };
        foreach (var token in new[] { provider.TokenWithValues(tenant, "alice"), IdentityProvider.Mint(unmapped) })
        {
            var caller = new ApiClient(http, token);
            Assert.Equal((HttpStatusCode.Forbidden, "no_role"), await StatusAsync(caller.GetAsync(Paths.MyWorkSession)));
            Assert.Equal((HttpStatusCode.Forbidden, "no_role"), await StatusAsync(caller.GetAsync(Paths.Preferences)));
            Assert.Equal((HttpStatusCode.Forbidden, "no_role"), await StatusAsync(caller.GetAsync("/api/v1/me/identity")));
        }

        // A mapped role that is not allowed is plainly forbidden.
        Assert.Equal((HttpStatusCode.Forbidden, "forbidden"), await StatusAsync(new ApiClient(http, provider.Token(tenant, "alice", "agent")).GetAsync(Paths.Preferences)));
    }

    [Theory]
    [InlineData("keycloak", "tenant")]
    [InlineData("entra", "tid")]
    public async Task ATokenWithoutAValidTenant_IsUnauthorized(string name, string tenantClaim)
    {
        var provider = IdentityProvider.Named(name);
        await using var gateway = provider.Gateway();
        var http = gateway.Start();

        foreach (var tenant in new object?[] { "Not_A_Tenant", "../acme", "", new string('a', 64), new[] { "acme", "other" }, null })
        {
            var claims = provider.Payload("acme", "alice", [provider.RoleValues["agent"]]);
            if (tenant is null)
            {
                claims.Remove(tenantClaim);
            }
            else
            {
                claims[tenantClaim] = tenant;
            }

            var status = await StatusAsync(new ApiClient(http, IdentityProvider.Mint(claims)).GetAsync(Paths.MyWorkSession));
            Assert.True((HttpStatusCode.Unauthorized, "unauthorized") == status, $"tenant {System.Text.Json.JsonSerializer.Serialize(tenant)}: {status}");
        }

        // The same token with a valid tenant is fine.
        Assert.Equal(HttpStatusCode.OK, (await new ApiClient(http, provider.Token("acme", "alice", "agent")).GetAsync(Paths.MyWorkSession)).StatusCode);
    }

    [Fact]
    public async Task ATokenWithoutItsMappedSubject_IsUnauthorized()
    {
        var provider = IdentityProvider.Keycloak;
        await using var gateway = provider.Gateway();
        var http = gateway.Start();
        var claims = provider.Payload("acme", "alice", ["ws-agent"]);
        claims.Remove("preferred_username");

        Assert.Equal((HttpStatusCode.Unauthorized, "unauthorized"), await StatusAsync(new ApiClient(http, IdentityProvider.Mint(claims)).GetAsync(Paths.MyWorkSession)));
    }

    [Fact]
    public async Task AFixedTenant_IsEveryTokensTenant_WhateverItsClaimsSay()
    {
        var provider = IdentityProvider.Okta;
        await using var gateway = provider.Gateway();
        var http = gateway.Start();
        var admin = new ApiClient(http, provider.Token("ignored", "admin-1", "admin"));
        await admin.PutAsync(Paths.Preferences, new { workSessionsEnabled = true, autoEndEnabled = false, inactivityTimeoutSeconds = 600, gracePeriodSeconds = 60 });

        // The Okta token carries "tenant": "someone-elses"; the session still lands in okta-single, where its admin looks.
        Assert.Equal(HttpStatusCode.Created, (await new ApiClient(http, provider.Token("ignored", "bob", "agent")).PostAsync(Paths.MyWorkSession)).StatusCode);
        var supervisor = new ApiClient(http, provider.Token("ignored", "sup-1", "supervisor"));
        Assert.Contains("\"bob\"", await (await supervisor.GetAsync(Paths.Roster)).Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Auth:Tenant", "Acme Corp", "Auth:Tenant 'Acme Corp' is not a valid tenant id")]
    [InlineData("Auth:Claims:Role", "realm_access.", "Auth:Claims:Role 'realm_access.' is not a claim name")]
    [InlineData("Auth:Claims:Subject", " ", "Auth:Claims:Subject ' ' is not a claim name")]
    [InlineData("Auth:Roles:Admin", "ws-admin,,ws-owner", "Auth:Roles:Admin holds a blank value")]
    public async Task AnUnusableClaimSetting_RefusesToStart(string key, string value, string message)
    {
        await using var gateway = new TestGateway("Production", settings => settings[key] = value);

        var failure = Assert.IsType<InvalidOperationException>(gateway.StartupFailure());

        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFixedTenantAndATenantClaim_RefuseToStart()
    {
        await using var gateway = new TestGateway("Production", settings =>
        {
            settings["Auth:Tenant"] = "acme";
            settings["Auth:Claims:Tenant"] = "tid";
        });

        var failure = Assert.IsType<InvalidOperationException>(gateway.StartupFailure());

        Assert.Contains("not both", failure.Message, StringComparison.Ordinal);
    }

    private static async Task<(HttpStatusCode Status, string? Code)> StatusAsync(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        var body = await response.Content.ReadAsStringAsync();
        var code = response.Content.Headers.ContentType?.MediaType == "application/problem+json" ? (string?)JsonNode.Parse(body)?["code"] : null;
        return (response.StatusCode, code);
    }
}
