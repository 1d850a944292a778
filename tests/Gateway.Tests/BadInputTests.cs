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
        // Reports and the report database keep reasons as text: no control characters, and no half surrogate pair
        // (which the JSON reader already refuses).
        { """{"status":"notReady","reason":"lunch\u0000"}""", ErrorCodes.InvalidStatus },
        { """{"status":"notReady","reason":"a\nb"}""", ErrorCodes.InvalidStatus },
        { """{"status":"notReady","reason":"\ud800x"}""", Problems.InvalidRequest },
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

        var roster = await Http.ReadAsync<OpenSessionsPage>(await supervisor.GetAsync(Paths.Roster), HttpStatusCode.OK);
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
        await Http.AssertProblemAsync(await tenant.Supervisor().PostAsync(Paths.EndAgent("alice"), """{"note":"shift\u0000over"}"""),
            HttpStatusCode.BadRequest, ErrorCodes.InvalidArgument);
        await Http.AssertProblemAsync(await tenant.Supervisor().PostAsync(Paths.EndAgent("alice"), """{"note":"\udc00"}"""),
            HttpStatusCode.BadRequest, Problems.InvalidRequest);

        var view = await Http.ReadAsync<AgentView>(await agent.GetAsync(Paths.MyWorkSession), HttpStatusCode.OK);
        Assert.Equal(SessionState.Active, view.State);
    }

    [Theory]
    [InlineData("state=closed")]
    [InlineData("state=open&limit=0")]
    [InlineData("state=open&limit=501")]
    [InlineData("state=open&limit=ten")]
    [InlineData("state=none")]
    [InlineData("status=offline")]
    [InlineData("status=Ready")]
    [InlineData("status=")]
    [InlineData("q=a%20b")]
    [InlineData("q=%C3%A9")]
    [InlineData("teamId=Red", ErrorCodes.InvalidId)]
    [InlineData("teamId=..%2Fred", ErrorCodes.InvalidId)]
    public async Task Roster_WithBadQuery_Is400(string query, string code = ErrorCodes.InvalidArgument)
    {
        var supervisor = fixture.NewTenant().Supervisor();

        var response = await supervisor.GetAsync("/api/v1/work-sessions?" + query);

        await Http.AssertProblemAsync(response, HttpStatusCode.BadRequest, query.EndsWith("ten", StringComparison.Ordinal) ? Problems.InvalidRequest : code);
    }

    [Theory]
    [InlineData("teamId=Red")]
    [InlineData("teamId=")]
    [InlineData("teamId=" + "a123456789a123456789a123456789a123456789a123456789a123456789abcd")]
    public async Task Summary_WithABadTeamId_Is400InvalidId(string query)
    {
        var supervisor = fixture.NewTenant().Supervisor();

        var response = await supervisor.GetAsync("/api/v1/work-sessions/summary?" + query);

        await Http.AssertProblemAsync(response, HttpStatusCode.BadRequest, ErrorCodes.InvalidId);
    }

    private const string Day = "from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z";

    public static TheoryData<string, string> BadReportQueries => new()
    {
        // from and to: required, ISO 8601 with an offset, from before to, at most 93 days.
        { Paths.SessionsReport, ErrorCodes.InvalidRange },
        { Paths.SessionsReport + "?from=2026-01-01T00:00:00Z", ErrorCodes.InvalidRange },
        { Paths.SessionsReport + "?to=2026-01-01T00:00:00Z", ErrorCodes.InvalidRange },
        { Paths.SessionsReport + "?from=&to=2026-01-01T00:00:00Z", ErrorCodes.InvalidRange },
        { Paths.SessionsReport + "?from=yesterday&to=2026-01-01T00:00:00Z", ErrorCodes.InvalidRange },
        { Paths.SessionsReport + "?from=2026-01-01T00:00:00&to=2026-01-02T00:00:00Z", ErrorCodes.InvalidRange },
        { Paths.SessionsReport + "?from=2026-01-01&to=2026-01-02T00:00:00Z", ErrorCodes.InvalidRange },
        { Paths.SessionsReport + "?from=01/01/2026 00:00:00 +00:00&to=2026-01-02T00:00:00Z", ErrorCodes.InvalidRange },
        { Paths.SessionsReport + "?from=2026-13-01T00:00:00Z&to=2026-12-02T00:00:00Z", ErrorCodes.InvalidRange },
        { Paths.SessionsReport + "?from=2026-01-01T00:00:00Z%0A&to=2026-01-02T00:00:00Z", ErrorCodes.InvalidRange },
        { Paths.SessionsReport + "?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", ErrorCodes.InvalidRange },
        { Paths.SessionsReport + "?from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", ErrorCodes.InvalidRange },
        { Paths.SessionsReport + "?from=2026-01-01T00:00:00Z&to=2026-04-04T00:00:01Z", ErrorCodes.InvalidRange },
        { Paths.SessionsReport + "?from=2026-01-01T01:00:00%2B01:00&to=2026-01-01T00:00:00Z", ErrorCodes.InvalidRange },
        // limit 1–1000; a non-number is malformed.
        { Paths.SessionsReport + "?" + Day + "&limit=0", ErrorCodes.InvalidArgument },
        { Paths.SessionsReport + "?" + Day + "&limit=1001", ErrorCodes.InvalidArgument },
        { Paths.SessionsReport + "?" + Day + "&limit=-1", ErrorCodes.InvalidArgument },
        { Paths.SessionsReport + "?" + Day + "&limit=ten", Problems.InvalidRequest },
        // Filters, cursor and format.
        { Paths.SessionsReport + "?" + Day + "&endReason=bored", ErrorCodes.InvalidArgument },
        { Paths.SessionsReport + "?" + Day + "&endReason=AgentEnded", ErrorCodes.InvalidArgument },
        { Paths.SessionsReport + "?" + Day + "&endReason=1", ErrorCodes.InvalidArgument },
        { Paths.SessionsReport + "?" + Day + "&agentId=bad$id", ErrorCodes.InvalidId },
        { Paths.SessionsReport + "?" + Day + "&cursor=not-a-cursor", ErrorCodes.InvalidCursor },
        { Paths.SessionsReport + "?" + Day + "&cursor=cDox", ErrorCodes.InvalidCursor },
        { Paths.SessionsReport + "?" + Day + "&format=xml", ErrorCodes.InvalidArgument },
        { Paths.SessionsReport + "?" + Day + "&format=CSV", ErrorCodes.InvalidArgument },
        { Paths.Timecards + "?to=2026-01-02T00:00:00Z", ErrorCodes.InvalidRange },
        { Paths.Timecards + "?" + Day + "&timeZone=Mars/Olympus_Mons", ErrorCodes.InvalidTimeZone },
        { Paths.Timecards + "?" + Day + "&timeZone=W. Europe Standard Time", ErrorCodes.InvalidTimeZone },
        { Paths.Timecards + "?" + Day + "&timeZone=%2B01:00", ErrorCodes.InvalidTimeZone },
        { Paths.Timecards + "?" + Day + "&timeZone=..%2F..%2Fetc%2Fpasswd", ErrorCodes.InvalidTimeZone },
        { Paths.Timecards + "?" + Day + "&agentId=" + "%2F", ErrorCodes.InvalidId },
        { Paths.Timecards + "?" + Day + "&cursor=dDp4", ErrorCodes.InvalidCursor },
        { Paths.Timecards + "?" + Day + "&limit=1001", ErrorCodes.InvalidArgument },
        { Paths.Timecards + "?" + Day + "&format=pdf", ErrorCodes.InvalidArgument },
        { "/api/v1/agents/alice/status-history", ErrorCodes.InvalidRange },
        { "/api/v1/agents/bad$id/status-history?" + Day, ErrorCodes.InvalidId },
        { "/api/v1/agents/" + new string('a', 129) + "/status-history?" + Day, ErrorCodes.InvalidId },
        { "/api/v1/agents/alice/status-history?" + Day + "&cursor=%25%25", ErrorCodes.InvalidCursor },
        { "/api/v1/agents/alice/status-history?" + Day + "&limit=0", ErrorCodes.InvalidArgument },
        { "/api/v1/agents/alice/status-history?" + Day + "&format=json2", ErrorCodes.InvalidArgument },
        // interval: an ISO 8601 duration of at least a minute, at most 10,000 intervals.
        { Paths.Concurrency, ErrorCodes.InvalidRange },
        { Paths.Concurrency + "?" + Day + "&interval=15m", ErrorCodes.InvalidInterval },
        { Paths.Concurrency + "?" + Day + "&interval=P1M", ErrorCodes.InvalidInterval },
        { Paths.Concurrency + "?" + Day + "&interval=P1Y", ErrorCodes.InvalidInterval },
        { Paths.Concurrency + "?" + Day + "&interval=PT0S", ErrorCodes.InvalidInterval },
        { Paths.Concurrency + "?" + Day + "&interval=PT59S", ErrorCodes.InvalidInterval },
        { Paths.Concurrency + "?" + Day + "&interval=-PT15M", ErrorCodes.InvalidInterval },
        { Paths.Concurrency + "?" + Day + "&interval=PT", ErrorCodes.InvalidInterval },
        { Paths.Concurrency + "?" + Day + "&interval=", ErrorCodes.InvalidInterval },
        { Paths.Concurrency + "?" + Day + "&interval=P99999999999D", ErrorCodes.InvalidInterval },
        { Paths.Concurrency + "?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&interval=PT1M", ErrorCodes.InvalidInterval },
        // The feed's position and page size.
        { Paths.Feed + "?after=-1", ErrorCodes.InvalidCursor },
        { Paths.Feed + "?after=abc", ErrorCodes.InvalidCursor },
        { Paths.Feed + "?after=1.5", ErrorCodes.InvalidCursor },
        { Paths.Feed + "?after=99999999999999999999", ErrorCodes.InvalidCursor },
        { Paths.Feed + "?limit=0", ErrorCodes.InvalidArgument },
        { Paths.Feed + "?limit=1001", ErrorCodes.InvalidArgument },
        // The feed's time: ISO 8601 with an offset, as a report's from and to.
        { Paths.Feed + "?since=yesterday", ErrorCodes.InvalidRange },
        { Paths.Feed + "?since=2026-12-01T08:00:00", ErrorCodes.InvalidRange },
        { Paths.Feed + "?since=2026-12-01", ErrorCodes.InvalidRange },
        { Paths.Feed + "?since=1764576000", ErrorCodes.InvalidRange },
        { Paths.Feed + "?since=", ErrorCodes.InvalidRange },
        { Paths.Feed + "?after=abc&since=2026-12-01T08:00:00Z", ErrorCodes.InvalidCursor },
        { Paths.PreferenceHistory + "?cursor=bm9wZQ", ErrorCodes.InvalidCursor },
        { Paths.PreferenceHistory + "?limit=1001", ErrorCodes.InvalidArgument },
    };

    /// <summary>Every report parameter: a 400 with its code, as problem details even to a client that accepts only CSV.</summary>
    [Theory]
    [MemberData(nameof(BadReportQueries))]
    public async Task Reports_WithABadParameter_Are400WithItsCode_WhateverTheAcceptHeader(string pathAndQuery, string code)
    {
        var tenant = fixture.NewTenant();
        var caller = pathAndQuery.StartsWith(Paths.PreferenceHistory, StringComparison.Ordinal) ? tenant.Admin() : tenant.Supervisor();

        await Http.AssertProblemAsync(await caller.GetAsync(pathAndQuery), HttpStatusCode.BadRequest, code);

        var asCsv = pathAndQuery + (pathAndQuery.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "format=csv";
        var csvResponse = await caller.SendAsync(HttpMethod.Get, pathAndQuery.Contains("format=", StringComparison.Ordinal) ? pathAndQuery : asCsv,
            configure: request => request.Headers.Accept.ParseAdd("text/csv"));
        Assert.Equal(HttpStatusCode.BadRequest, csvResponse.StatusCode);
        Assert.Equal("application/problem+json", csvResponse.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"code\":", await csvResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("1e3")]
    public async Task Feed_StreamWithABadLastEventId_Is400InvalidCursor(string lastEventId)
    {
        var supervisor = fixture.NewTenant().Supervisor();

        var response = await supervisor.SendAsync(HttpMethod.Get, Paths.Feed, configure: request =>
        {
            request.Headers.Accept.ParseAdd("text/event-stream");
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        });

        await Http.AssertProblemAsync(response, HttpStatusCode.BadRequest, ErrorCodes.InvalidCursor);
    }

    [Theory]
    [InlineData("2026-01-01T00:00:00Z", "2026-04-04T00:00:00Z")]
    [InlineData("2026-01-01T00:00:00.1234567Z", "2026-01-01T00:00:00.1234568Z")]
    [InlineData("2026-01-01T08:00%2B08:00", "2026-01-01T00:00:01-00:00")]
    [InlineData("2026-01-01T09:00:00+09:00", "2026-01-02T00:00:00Z")]
    public async Task Reports_AtTheRangeBounds_AreAccepted(string from, string to)
    {
        var supervisor = fixture.NewTenant().Supervisor();

        // The last case sends '+' unencoded: a query string turns it into a space, and the offset still reads as +09:00.
        var page = await Http.ReadAsync<WorkSessions.Contracts.Reports.ReportPage<WorkSessions.Contracts.Reports.SessionReportItem>>(
            await supervisor.GetAsync($"{Paths.SessionsReport}?from={from}&to={to}&limit=1000"), HttpStatusCode.OK);

        Assert.Empty(page.Items);
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
