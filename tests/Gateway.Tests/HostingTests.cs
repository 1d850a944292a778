using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace WorkSessions.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class HostingTests(GatewayFixture fixture)
{
    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_IsOk_WithoutAToken(string path)
    {
        var response = await fixture.Http.GetAsync(path);

        await Http.AssertStatusAsync(response, HttpStatusCode.OK);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OpenApi_ListsEveryApiRoute()
    {
        var response = await fixture.Http.GetAsync("/openapi/v1.json");

        await Http.AssertStatusAsync(response, HttpStatusCode.OK);
        var paths = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["paths"]!.AsObject();
        var routes = fixture.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Select(endpoint => "/" + endpoint.RoutePattern.RawText!.Trim('/'))
            .Where(route => route.StartsWith("/api/v1/", StringComparison.Ordinal))
            .Distinct()
            .ToList();
        Assert.NotEmpty(routes);
        Assert.All(routes, route => Assert.True(paths.ContainsKey(route), $"{route} is missing from the OpenAPI document; it has {string.Join(", ", paths.Select(p => p.Key))}"));
        Assert.Contains("/api/v1/me/work-session", paths.Select(p => p.Key));
    }

    [Fact]
    public async Task UnknownRoute_IsA404Problem()
    {
        var agent = fixture.NewTenant().Agent("alice");

        await Http.AssertProblemAsync(await agent.GetAsync("/api/v1/me/nothing-here"), HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task UnsupportedMethod_IsA405Problem()
    {
        var agent = fixture.NewTenant().Agent("alice");

        await Http.AssertProblemAsync(await agent.SendAsync(HttpMethod.Patch, Paths.MyWorkSession), HttpStatusCode.MethodNotAllowed, "method_not_allowed");
    }
}
