using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using WorkSessions.TestSupport;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// The OpenAPI document describes the API: every response the tests see is checked against it
/// (<see cref="OpenApiValidatingHandler"/>); these tests show the check is on and can fail, and keep the committed copy
/// of the document (<c>docs/openapi.json</c>, what the generated clients are built from) equal to the served one.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class OpenApiContractTests(GatewayFixture fixture)
{
    private const string RefreshEnvironmentVariable = "WORKSESSIONS_REFRESH_OPENAPI";

    [Fact]
    public async Task ServedDocument_IsOpenApi31()
    {
        var document = JsonNode.Parse(await fixture.Http.GetStringAsync(OpenApiValidatingHandler.DocumentPath))!;

        Assert.StartsWith("3.1.", (string?)document["openapi"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryApiResponse_IsValidated()
    {
        var before = OpenApiResponseValidator.ValidatedResponses;

        await Http.AssertStatusAsync(await fixture.NewTenant().Agent("alice").GetAsync(Paths.MyWorkSession), HttpStatusCode.OK);

        Assert.True(OpenApiResponseValidator.ValidatedResponses > before, "The fixture's client did not validate an API response.");
    }

    [Fact]
    public async Task AResponseTheDocumentDoesNotDescribe_FailsTheRequest()
    {
        var served = await fixture.Http.GetStringAsync(OpenApiValidatingHandler.DocumentPath);
        using var http = new HttpClient(new OpenApiValidatingHandler(new CannedHandler(served, HttpStatusCode.OK, "application/json", """{"agentId":"alice","state":"asleep"}""")))
        {
            BaseAddress = fixture.Http.BaseAddress,
        };

        var violation = await Assert.ThrowsAsync<OpenApiContractViolationException>(() => http.GetAsync(Paths.MyWorkSession));

        Assert.Contains("GetMyWorkSession 200 application/json", violation.Message, StringComparison.Ordinal);
        Assert.Contains("/state", violation.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, int, string?, string?, string> WrongResponses() => new()
    {
        // An enum value the document does not list.
        { "GET", Paths.MyWorkSession, 200, "application/json", """{"agentId":"a","state":"asleep","status":"ready","statusReason":null,"session":null,"prompt":null}""", "/state" },
        // A required field missing.
        { "GET", Paths.MyWorkSession, 200, "application/json", """{"agentId":"a","status":"ready","statusReason":null,"session":null,"prompt":null}""", "required" },
        // A status the operation does not declare.
        { "GET", Paths.MyWorkSession, 418, "application/problem+json", """{"status":418,"title":"t","code":"teapot"}""", "does not declare status 418" },
        // A media type the operation does not declare.
        { "GET", Paths.MyWorkSession, 200, "text/plain", "hello", "declares only" },
        // A problem without its code.
        { "GET", Paths.MyWorkSession, 401, "application/problem+json", """{"status":401,"title":"Authentication required"}""", "code" },
        // An API path the document does not have that answers anything but a problem.
        { "GET", "/api/v1/no-such-thing", 200, "application/json", "{}", "no path of the document matches" },
        // A body where the document declares none.
        { "POST", Paths.MyActivity, 204, "application/json", "{}", "declares no body" },
    };

    [Fact]
    public async Task Validator_RejectsPreferencesWithoutTheirETag()
    {
        var validator = new OpenApiResponseValidator(await fixture.Http.GetStringAsync(OpenApiValidatingHandler.DocumentPath));
        const string Body = """{"workSessionsEnabled":false,"autoEndEnabled":false,"inactivityTimeoutSeconds":900,"gracePeriodSeconds":180,"notReadyReasons":["Break"],"version":0,"updatedAt":null,"updatedBy":null}""";

        Assert.Empty(validator.Check("GET", Paths.Preferences, 200, "application/json", Body, ["ETag", "Content-Type"]));
        Assert.Contains(validator.Check("GET", Paths.Preferences, 200, "application/json", Body, ["Content-Type"]), error => error.Contains("ETag", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(WrongResponses))]
    public async Task Validator_RejectsAResponseThatDoesNotMatch(string method, string path, int status, string? contentType, string? body, string expected)
    {
        var validator = new OpenApiResponseValidator(await fixture.Http.GetStringAsync(OpenApiValidatingHandler.DocumentPath));

        var errors = validator.Check(method, path, status, contentType, body);

        Assert.Contains(errors, error => error.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CommittedDocument_IsWhatTheGatewayServes()
    {
        var served = Normalize(await fixture.Http.GetStringAsync(OpenApiValidatingHandler.DocumentPath));
        var committedPath = Path.Combine(RepositoryRoot(), "docs", "openapi.json");
        if (Environment.GetEnvironmentVariable(RefreshEnvironmentVariable) == "1")
        {
            await File.WriteAllTextAsync(committedPath, served);
        }

        var committed = File.Exists(committedPath) ? await File.ReadAllTextAsync(committedPath) : "";

        Assert.True(
            committed == served,
            $"docs/openapi.json is not what the Gateway serves. Refresh it with: {RefreshEnvironmentVariable}=1 dotnet test tests/Gateway.Tests -c Release --filter FullyQualifiedName~CommittedDocument_IsWhatTheGatewayServes");
    }

    /// <summary>The served document without its <c>servers</c> (the address of this test's Gateway), indented, LF line ends.</summary>
    private static string Normalize(string document)
    {
        var node = JsonNode.Parse(document)!.AsObject();
        node.Remove("servers");
        return node.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }).ReplaceLineEndings("\n") + "\n";
    }

    public static string RepositoryRoot() => RepositoryPaths.Root;

    /// <summary>Serves the real document and one canned answer to everything else.</summary>
    private sealed class CannedHandler(string document, HttpStatusCode status, string contentType, string body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(request.RequestUri!.AbsolutePath == OpenApiValidatingHandler.DocumentPath
                ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(document, Encoding.UTF8, "application/json") }
                : new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, contentType), RequestMessage = request });
    }
}
