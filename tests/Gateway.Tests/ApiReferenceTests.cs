using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// The browsable API reference (Scalar at <c>/scalar/v1</c>) works with no network: the page, its scripts and the
/// OpenAPI document it loads all come from the Gateway itself.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed partial class ApiReferenceTests(GatewayFixture fixture)
{
    private static readonly Uri Page = new("/scalar/v1", UriKind.Relative);

    [Fact]
    public async Task ReferencePage_IsHtml_WithoutAToken()
    {
        var response = await fixture.Http.GetAsync(Page);

        await Http.AssertStatusAsync(response, HttpStatusCode.OK);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<div id=\"app\">", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(ExternalReference(), html);
    }

    [Fact]
    public async Task ReferencePage_Scripts_AreServedByTheGateway()
    {
        var pageUri = new Uri(fixture.Http.BaseAddress!, Page);
        var html = await fixture.Http.GetStringAsync(pageUri);
        var scripts = ScriptSource().Matches(html).Select(match => new Uri(pageUri, match.Groups["src"].Value)).ToList();

        // The standalone bundle and the ASP.NET Core integration module.
        Assert.Equal(2, scripts.Count);
        foreach (var script in scripts)
        {
            Assert.Equal(pageUri.Authority, script.Authority);
            var response = await fixture.Http.GetAsync(script);
            await Http.AssertStatusAsync(response, HttpStatusCode.OK);
            Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
            Assert.NotEmpty(await response.Content.ReadAsByteArrayAsync());
        }

        // The bundle is the whole Scalar UI, not a loader that fetches it from a CDN.
        var bundle = await fixture.Http.GetByteArrayAsync(scripts.Single(script => script.AbsolutePath.EndsWith("/scalar.js", StringComparison.Ordinal)));
        Assert.True(bundle.Length > 500_000, $"scalar.js is only {bundle.Length} bytes");
    }

    [Fact]
    public async Task ReferencePage_LoadsTheGatewaysOpenApiDocument()
    {
        var html = await fixture.Http.GetStringAsync(Page);
        var sources = SourceUrl().Matches(html).Select(match => match.Groups["url"].Value).ToList();

        // scalar.aspnetcore.js resolves a relative source against the application's base path (here the root).
        var source = Assert.Single(sources);
        Assert.Equal("openapi/v1.json", source);
        var document = JsonNode.Parse(await fixture.Http.GetStringAsync(new Uri(fixture.Http.BaseAddress!, source)))!;
        Assert.Equal("Work Sessions API", (string?)document["info"]?["title"]);
    }

    [GeneratedRegex("""<script[^>]*\ssrc="(?<src>[^"]+)"[^>]*>""")]
    private static partial Regex ScriptSource();

    [GeneratedRegex("\"url\":\"(?<url>[^\"]+)\"")]
    private static partial Regex SourceUrl();

    [GeneratedRegex("""(src|href)\s*=\s*["']?(https?:)?//""", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalReference();
}
