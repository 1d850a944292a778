using System.Net;
using System.Text;
using WorkSessions.Contracts;
using WorkSessions.Gateway.Apis;
using WorkSessions.Gateway.Errors;

namespace WorkSessions.Gateway.Tests;

/// <summary>Bad input is a 400 (or 413) problem with the right code, and changes nothing: every test reads back.</summary>
[Collection(GatewayCollection.Name)]
public sealed class BadInputTests(GatewayFixture fixture)
{
    private const string ValidPreferences = """{"workSessionsEnabled":true,"autoEndEnabled":true,"inactivityTimeoutSeconds":120,"gracePeriodSeconds":45}""";

    public static TheoryData<string, string> BadPreferenceBodies => new()
    {
        // Malformed JSON, unknown fields and wrong types.
        { """{"workSessionsEnabled":true,"autoEndEnabled":tru""", Problems.InvalidRequest },
        { "not json", Problems.InvalidRequest },
        { """{"workSessionsEnabled":false,"autoEndEnabled":false,"inactivityTimeoutSeconds":60,"gracePeriodSeconds":30,"extra":1}""", Problems.InvalidRequest },
        { """{"workSessionsEnabled":false,"autoEndEnabled":false,"inactivityTimeoutSeconds":"60","gracePeriodSeconds":30}""", Problems.InvalidRequest },
        { """{"workSessionsEnabled":1,"autoEndEnabled":false,"inactivityTimeoutSeconds":60,"gracePeriodSeconds":30}""", Problems.InvalidRequest },
        { """{"workSessionsEnabled":false,"autoEndEnabled":"false","inactivityTimeoutSeconds":60,"gracePeriodSeconds":30}""", Problems.InvalidRequest },
        { """{"workSessionsEnabled":false,"autoEndEnabled":false,"inactivityTimeoutSeconds":60.5,"gracePeriodSeconds":30}""", Problems.InvalidRequest },
        { """[1,2,3]""", Problems.InvalidRequest },
        // Missing fields.
        { """{}""", ErrorCodes.InvalidPreferences },
        { """{"workSessionsEnabled":false,"autoEndEnabled":false,"inactivityTimeoutSeconds":60}""", ErrorCodes.InvalidPreferences },
        { """{"workSessionsEnabled":false,"inactivityTimeoutSeconds":60,"gracePeriodSeconds":30}""", ErrorCodes.InvalidPreferences },
        { """{"workSessionsEnabled":null,"autoEndEnabled":false,"inactivityTimeoutSeconds":60,"gracePeriodSeconds":30}""", ErrorCodes.InvalidPreferences },
        // Out of range (the configured minimums are 1 second).
        { """{"workSessionsEnabled":true,"autoEndEnabled":true,"inactivityTimeoutSeconds":0,"gracePeriodSeconds":30}""", ErrorCodes.InvalidPreferences },
        { """{"workSessionsEnabled":true,"autoEndEnabled":true,"inactivityTimeoutSeconds":43201,"gracePeriodSeconds":30}""", ErrorCodes.InvalidPreferences },
        { """{"workSessionsEnabled":true,"autoEndEnabled":true,"inactivityTimeoutSeconds":60,"gracePeriodSeconds":0}""", ErrorCodes.InvalidPreferences },
        { """{"workSessionsEnabled":true,"autoEndEnabled":true,"inactivityTimeoutSeconds":60,"gracePeriodSeconds":1801}""", ErrorCodes.InvalidPreferences },
        { """{"workSessionsEnabled":true,"autoEndEnabled":true,"inactivityTimeoutSeconds":-5,"gracePeriodSeconds":30}""", ErrorCodes.InvalidPreferences },
    };

    [Theory]
    [MemberData(nameof(BadPreferenceBodies))]
    public async Task Preferences_BadBody_Is400_AndChangesNothing(string body, string code)
    {
        var tenant = fixture.NewTenant();
        var admin = tenant.Admin();
        var before = await Http.ReadAsync<PreferencesResponse>(await admin.PutAsync(Paths.Preferences, ValidPreferences), HttpStatusCode.OK);

        await Http.AssertProblemAsync(await admin.PutAsync(Paths.Preferences, body), HttpStatusCode.BadRequest, code);

        var after = await Http.ReadAsync<PreferencesResponse>(await admin.GetAsync(Paths.Preferences), HttpStatusCode.OK);
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Preferences_AtTheBounds_AreAccepted()
    {
        var admin = fixture.NewTenant().Admin();

        await Http.AssertStatusAsync(await admin.PutAsync(Paths.Preferences, new { workSessionsEnabled = true, autoEndEnabled = true, inactivityTimeoutSeconds = 1, gracePeriodSeconds = 1 }), HttpStatusCode.OK);
        await Http.AssertStatusAsync(await admin.PutAsync(Paths.Preferences, new { workSessionsEnabled = true, autoEndEnabled = true, inactivityTimeoutSeconds = 43200, gracePeriodSeconds = 1800 }), HttpStatusCode.OK);
    }

    public static TheoryData<string, string> BadStartBodies => new()
    {
        { """{"status":"busy"}""", Problems.InvalidRequest },
        { """{"status":1}""", Problems.InvalidRequest },
        { """{"status":"ready","extra":true}""", Problems.InvalidRequest },
        { """{"status":"ready","reason":42}""", Problems.InvalidRequest },
        { """{"status":""", Problems.InvalidRequest },
        { $$"""{"status":"notReady","reason":"{{new string('r', 65)}}"}""", ErrorCodes.InvalidStatus },
    };

    [Theory]
    [MemberData(nameof(BadStartBodies))]
    public async Task Start_BadBody_Is400_AndStartsNothing(string body, string code)
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true);
        var agent = tenant.Agent("alice");

        await Http.AssertProblemAsync(await agent.PostAsync(Paths.MyWorkSession, body), HttpStatusCode.BadRequest, code);

        var view = await Http.ReadAsync<AgentView>(await agent.GetAsync(Paths.MyWorkSession), HttpStatusCode.OK);
        Assert.Equal((SessionState.None, (SessionView?)null), (view.State, view.Session));
    }

    public static TheoryData<string, string> BadStatusBodies => new()
    {
        { """{"status":"away"}""", Problems.InvalidRequest },
        { """{"status":"readyish"}""", Problems.InvalidRequest },
        { """{"status":"READY"}""", Problems.InvalidRequest },
        { """{"status":"ready, notReady"}""", Problems.InvalidRequest },
        { """{"status":2,"reason":"lunch"}""", Problems.InvalidRequest },
        { """{"status":"notReady","reason":"lunch","until":"later"}""", Problems.InvalidRequest },
        { """{"status":"notReady","reason":["lunch"]}""", Problems.InvalidRequest },
        { """{"reason":"lunch"}""", ErrorCodes.InvalidStatus },
        { """{"status":"notReady""", Problems.InvalidRequest },
    };

    [Theory]
    [MemberData(nameof(BadStatusBodies))]
    public async Task SetStatus_BadBody_Is400_AndChangesNothing(string body, string code)
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true);
        var agent = tenant.Agent("alice");
        var before = await Http.ReadAsync<AgentView>(await agent.PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);

        await Http.AssertProblemAsync(await agent.PutAsync(Paths.MyStatus, body), HttpStatusCode.BadRequest, code);

        var after = await Http.ReadAsync<AgentView>(await agent.GetAsync(Paths.MyWorkSession), HttpStatusCode.OK);
        Assert.Equivalent(before, after, strict: true);
    }

    [Fact]
    public async Task SetStatus_WithoutABody_Is400()
    {
        var tenant = fixture.NewTenant();
        var agent = tenant.Agent("alice");

        await Http.AssertProblemAsync(await agent.SendAsync(HttpMethod.Put, Paths.MyStatus, new StringContent("", Encoding.UTF8, "application/json")),
            HttpStatusCode.BadRequest, Problems.InvalidRequest);

        var view = await Http.ReadAsync<AgentView>(await agent.GetAsync(Paths.MyWorkSession), HttpStatusCode.OK);
        Assert.Equal(AgentStatus.Offline, view.Status);
    }

    public static TheoryData<string> BadAgentIds => new()
    {
        new string('a', 129),
        "bad$id",
        "bad%20id",
        "b%C3%A4d",
        "a%2Fb",
        "a%3Ab",
        "bad*id",
    };

    [Theory]
    [MemberData(nameof(BadAgentIds))]
    public async Task AgentPaths_WithABadId_Are400InvalidId_AndChangeNothing(string agentId)
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true);
        var supervisor = tenant.Supervisor();
        await Http.AssertStatusAsync(await tenant.Agent("alice").PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);

        await Http.AssertProblemAsync(await supervisor.GetAsync(Paths.Agent(agentId)), HttpStatusCode.BadRequest, ErrorCodes.InvalidId);
        await Http.AssertProblemAsync(await supervisor.PostAsync(Paths.EndAgent(agentId), new { note = "x" }), HttpStatusCode.BadRequest, ErrorCodes.InvalidId);

        var roster = await Http.ReadAsync<Page<AgentView>>(await supervisor.GetAsync(Paths.Roster), HttpStatusCode.OK);
        Assert.Equal(SessionState.Active, Assert.Single(roster.Items).State);
    }

    [Fact]
    public async Task AgentPath_WithTheLongestValidId_IsAccepted()
    {
        var supervisor = fixture.NewTenant().Supervisor();

        var response = await supervisor.GetAsync(Paths.Agent(new string('a', 127) + "@"));

        // Valid, so not invalid_id: just an agent this tenant has never seen.
        await Http.AssertProblemAsync(response, HttpStatusCode.NotFound, ErrorCodes.AgentNotFound);
    }

    [Fact]
    public async Task AgentToken_WithASubjectThatIsNoAgentId_Is400InvalidId()
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true);
        var agent = new ApiClient(fixture.Http, fixture.Token(tenant.Id, "not/an agent", "agent"));

        await Http.AssertProblemAsync(await agent.PostAsync(Paths.MyWorkSession), HttpStatusCode.BadRequest, ErrorCodes.InvalidId);
    }

    [Fact]
    public async Task EndAgent_WithANoteTooLong_Is400_AndEndsNothing()
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true);
        var agent = tenant.Agent("alice");
        await Http.AssertStatusAsync(await agent.PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);

        await Http.AssertProblemAsync(await tenant.Supervisor().PostAsync(Paths.EndAgent("alice"), new { note = new string('n', 501) }),
            HttpStatusCode.BadRequest, ErrorCodes.InvalidArgument);
        await Http.AssertProblemAsync(await tenant.Supervisor().PostAsync(Paths.EndAgent("alice"), """{"note":"x","reason":"y"}"""),
            HttpStatusCode.BadRequest, Problems.InvalidRequest);

        var view = await Http.ReadAsync<AgentView>(await agent.GetAsync(Paths.MyWorkSession), HttpStatusCode.OK);
        Assert.Equal(SessionState.Active, view.State);
    }

    [Theory]
    [InlineData("state=closed")]
    [InlineData("state=open&limit=0")]
    [InlineData("state=open&limit=501")]
    [InlineData("state=open&limit=ten")]
    public async Task Roster_WithBadQuery_Is400(string query)
    {
        var supervisor = fixture.NewTenant().Supervisor();

        var response = await supervisor.GetAsync("/api/v1/work-sessions?" + query);

        await Http.AssertProblemAsync(response, HttpStatusCode.BadRequest, query.EndsWith("ten", StringComparison.Ordinal) ? Problems.InvalidRequest : ErrorCodes.InvalidArgument);
    }

    [Fact]
    public async Task BodyOverTheLimit_Is413_AndChangesNothing()
    {
        var tenant = fixture.NewTenant();
        var admin = tenant.Admin();
        var before = await Http.ReadAsync<PreferencesResponse>(await admin.PutAsync(Paths.Preferences, ValidPreferences), HttpStatusCode.OK);
        // Valid JSON apart from its size: only the limit can reject it.
        var padded = ValidPreferences[..^1] + new string(' ', GatewayFixture.MaxRequestBodyBytes) + "}";
        Assert.True(Encoding.UTF8.GetByteCount(padded) > GatewayFixture.MaxRequestBodyBytes);

        await Http.AssertProblemAsync(await admin.PutAsync(Paths.Preferences, padded), HttpStatusCode.RequestEntityTooLarge, "payload_too_large");

        var after = await Http.ReadAsync<PreferencesResponse>(await admin.GetAsync(Paths.Preferences), HttpStatusCode.OK);
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task BodyJustUnderTheLimit_IsAccepted()
    {
        var admin = fixture.NewTenant().Admin();
        var padded = ValidPreferences[..^1] + new string(' ', GatewayFixture.MaxRequestBodyBytes - ValidPreferences.Length) + "}";
        Assert.Equal(GatewayFixture.MaxRequestBodyBytes, Encoding.UTF8.GetByteCount(padded));

        await Http.AssertStatusAsync(await admin.PutAsync(Paths.Preferences, padded), HttpStatusCode.OK);
    }

    [Fact]
    public async Task ChunkedBodyOverTheLimit_Is413()
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true);
        var agent = tenant.Agent("alice");
        var body = """{"status":"notReady","reason":"lunch"}""" + new string(' ', GatewayFixture.MaxRequestBodyBytes);
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body)));
        content.Headers.ContentType = new("application/json");

        // No Content-Length: the limit must hold while reading, not only for a declared length.
        var response = await agent.SendAsync(HttpMethod.Post, Paths.MyWorkSession, content, request => request.Headers.TransferEncodingChunked = true);

        await Http.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        var view = await Http.ReadAsync<AgentView>(await agent.GetAsync(Paths.MyWorkSession), HttpStatusCode.OK);
        Assert.Equal(SessionState.None, view.State);
    }

    [Fact]
    public async Task WrongContentType_Is415()
    {
        var tenant = fixture.NewTenant();
        var admin = tenant.Admin();

        var response = await admin.PutAsync(Paths.Preferences, new StringContent(ValidPreferences, Encoding.UTF8, "text/plain"));

        await Http.AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        var after = await Http.ReadAsync<PreferencesResponse>(await admin.GetAsync(Paths.Preferences), HttpStatusCode.OK);
        Assert.Equal(0, after.Version);
    }
}
