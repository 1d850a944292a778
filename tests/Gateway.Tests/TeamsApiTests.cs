using System.Net;
using System.Text.Json.Nodes;
using WorkSessions.Contracts;
using WorkSessions.Gateway.Errors;

namespace WorkSessions.Gateway.Tests;

/// <summary>The teams routes (docs/http-api.md#teams): create, replace, delete, list, members, with ETag / If-Match.</summary>
[Collection(GatewayCollection.Name)]
public sealed class TeamsApiTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Put_Creates201WithLocationAndETag_ThenReplaces200_AndAStaleIfMatchIs412()
    {
        var admin = fixture.NewTenant().Admin();

        var created = await admin.PutAsync("/api/v1/teams/night", new { name = "Night", timeZone = "Europe/Berlin", supervisors = new[] { "sup-1" }, preferences = new { inactivityTimeoutSeconds = 120 } });
        var team = await Http.ReadAsync<JsonObject>(created, HttpStatusCode.Created);
        Assert.Equal("/api/v1/teams/night", created.Headers.Location?.OriginalString);
        Assert.Equal("\"1\"", created.Headers.ETag?.ToString());
        Assert.Equal(("night", "Night", "Europe/Berlin", 120), ((string?)team["teamId"], (string?)team["name"], (string?)team["timeZone"], (int)team["preferences"]!["inactivityTimeoutSeconds"]!));
        Assert.Null(team["preferences"]!["gracePeriodSeconds"]);

        var replaced = await admin.PutAsync("/api/v1/teams/night", new { name = "Night shift" }, ifMatch: "\"1\"");
        Assert.Equal("Night shift", (string?)(await Http.ReadAsync<JsonObject>(replaced, HttpStatusCode.OK))["name"]);
        Assert.Equal("\"2\"", replaced.Headers.ETag?.ToString());

        await Http.AssertProblemAsync(await admin.PutAsync("/api/v1/teams/night", new { name = "Lost" }, ifMatch: "\"1\""), HttpStatusCode.PreconditionFailed, ErrorCodes.VersionMismatch);
        var read = await admin.GetAsync("/api/v1/teams/night");
        Assert.Equal("Night shift", (string?)(await Http.ReadAsync<JsonObject>(read, HttpStatusCode.OK))["name"]);
        Assert.Equal("\"2\"", read.Headers.ETag?.ToString());
    }

    [Fact]
    public async Task Delete_WithAStaleIfMatchIs412_WithTheCurrentOneIs204_ThenTheTeamIsGoneFromTheListToo()
    {
        var admin = fixture.NewTenant().Admin();
        await Http.AssertStatusAsync(await admin.PutAsync("/api/v1/teams/gone", new { name = "Gone" }), HttpStatusCode.Created);

        await Http.AssertProblemAsync(await DeleteAsync(admin, "/api/v1/teams/gone", "\"7\""), HttpStatusCode.PreconditionFailed, ErrorCodes.VersionMismatch);
        await Http.AssertStatusAsync(await DeleteAsync(admin, "/api/v1/teams/gone", "\"1\""), HttpStatusCode.NoContent);

        await Http.AssertProblemAsync(await admin.GetAsync("/api/v1/teams/gone"), HttpStatusCode.NotFound, ErrorCodes.TeamNotFound);
        await Http.AssertProblemAsync(await admin.DeleteAsync("/api/v1/teams/gone"), HttpStatusCode.NotFound, ErrorCodes.TeamNotFound);
        Assert.Empty((await Http.ReadAsync<TeamListBody>(await admin.GetAsync("/api/v1/teams"), HttpStatusCode.OK)).Items);
    }

    [Fact]
    public async Task List_PagesByCursorInTeamIdOrder_WithEachTeamsAgentCount()
    {
        var admin = fixture.NewTenant().Admin();
        foreach (var teamId in new[] { "c-team", "a-team", "b-team" })
        {
            await Http.AssertStatusAsync(await admin.PutAsync($"/api/v1/teams/{teamId}", new { name = teamId, supervisors = new[] { "sup-" + teamId } }), HttpStatusCode.Created);
        }

        await Http.AssertStatusAsync(await admin.PostAsync("/api/v1/teams/b-team/members", new { add = new[] { "ann", "ben" } }), HttpStatusCode.OK);

        var first = await Http.ReadAsync<TeamListBody>(await admin.GetAsync("/api/v1/teams?limit=2"), HttpStatusCode.OK);
        var second = await Http.ReadAsync<TeamListBody>(await admin.GetAsync($"/api/v1/teams?limit=2&cursor={first.NextCursor}"), HttpStatusCode.OK);

        Assert.Equal(["a-team", "b-team"], first.Items.Select(team => team.TeamId));
        Assert.Equal([0, 2], first.Items.Select(team => team.AgentCount));
        Assert.Equal("sup-b-team", Assert.Single(first.Items[1].Supervisors));
        Assert.Equal("b-team", first.NextCursor);
        Assert.Equal(["c-team"], second.Items.Select(team => team.TeamId));
        Assert.Null(second.NextCursor);
        await Http.AssertProblemAsync(await admin.GetAsync("/api/v1/teams?cursor=..%2F"), HttpStatusCode.BadRequest, ErrorCodes.InvalidCursor);
        await Http.AssertProblemAsync(await admin.GetAsync("/api/v1/teams?limit=0"), HttpStatusCode.BadRequest, ErrorCodes.InvalidArgument);
    }

    [Fact]
    public async Task Members_AddedInBulk_AreCountedAddedMovedRemoved_AndPagedByCursor()
    {
        var admin = fixture.NewTenant().Admin();
        await Http.AssertStatusAsync(await admin.PutAsync("/api/v1/teams/red", new { name = "Red" }), HttpStatusCode.Created);
        await Http.AssertStatusAsync(await admin.PutAsync("/api/v1/teams/blue", new { name = "Blue" }), HttpStatusCode.Created);
        Assert.Equal(new TeamMembersChange(2, 0, 0), await Http.ReadAsync<TeamMembersChange>(await admin.PostAsync("/api/v1/teams/red/members", new { add = new[] { "ann", "ben" } }), HttpStatusCode.OK));

        var change = await Http.ReadAsync<TeamMembersChange>(await admin.PostAsync("/api/v1/teams/blue/members", new { add = new[] { "ben", "cid" } }), HttpStatusCode.OK);
        var removed = await Http.ReadAsync<TeamMembersChange>(await admin.PostAsync("/api/v1/teams/red/members", new { remove = new[] { "ann", "nobody" } }), HttpStatusCode.OK);

        Assert.Equal(new TeamMembersChange(1, 0, 1), change);
        Assert.Equal(new TeamMembersChange(0, 1, 0), removed);
        var page = await Http.ReadAsync<JsonObject>(await admin.GetAsync("/api/v1/teams/blue/members?limit=1"), HttpStatusCode.OK);
        Assert.Equal("ben", (string?)page["items"]![0]!["agentId"]);
        Assert.Equal("ben", (string?)page["nextCursor"]);
        var last = await Http.ReadAsync<JsonObject>(await admin.GetAsync("/api/v1/teams/blue/members?limit=1&cursor=ben"), HttpStatusCode.OK);
        Assert.Equal("cid", (string?)last["items"]![0]!["agentId"]);
        Assert.Null(last["nextCursor"]);
        await Http.EventuallyAsync(
            async () => (await Http.ReadAsync<TeamListBody>(await admin.GetAsync("/api/v1/teams"), HttpStatusCode.OK)).Items.Select(team => team.AgentCount).SequenceEqual([2, 0]),
            "red to count none once ben moved to blue and ann was removed");
    }

    [Fact]
    public async Task Members_MoreThan1000IdsInACall_OrAnInvalidOrNullId_IsA400()
    {
        var admin = fixture.NewTenant().Admin();
        await Http.AssertStatusAsync(await admin.PutAsync("/api/v1/teams/big", new { name = "Big" }), HttpStatusCode.Created);

        var longest = new string('a', AgentKey.MaxAgentIdLength - 4);
        var tooMany = new { add = Enumerable.Range(0, 600).Select(i => $"a{i}"), remove = Enumerable.Range(0, 401).Select(i => $"r{i}") };
        var allowed = await admin.PostAsync("/api/v1/teams/big/members", new { add = Enumerable.Range(1000, 1000).Select(i => longest + i) });

        Assert.Equal(new TeamMembersChange(1000, 0, 0), await Http.ReadAsync<TeamMembersChange>(allowed, HttpStatusCode.OK));
        await Http.AssertProblemAsync(await admin.PostAsync("/api/v1/teams/big/members", tooMany), HttpStatusCode.BadRequest, ErrorCodes.InvalidArgument);
        await Http.AssertProblemAsync(await admin.PostAsync("/api/v1/teams/big/members", "{\"add\":[null]}"), HttpStatusCode.BadRequest, ErrorCodes.InvalidId);
        await Http.AssertProblemAsync(await admin.PostAsync("/api/v1/teams/big/members", new { add = new[] { "../x" } }), HttpStatusCode.BadRequest, ErrorCodes.InvalidId);
        await Http.AssertProblemAsync(await admin.PostAsync("/api/v1/teams/nosuch/members", new { add = new[] { "ann" } }), HttpStatusCode.NotFound, ErrorCodes.TeamNotFound);
    }

    [Fact]
    public async Task Put_BadDefinitions_AreProblemsWithStableCodes()
    {
        var admin = fixture.NewTenant().Admin();

        await Http.AssertProblemAsync(await admin.PutAsync("/api/v1/teams/Bad_Id", new { name = "x" }), HttpStatusCode.BadRequest, ErrorCodes.InvalidId);
        await Http.AssertProblemAsync(await admin.PutAsync("/api/v1/teams/t1", new { name = "" }), HttpStatusCode.BadRequest, ErrorCodes.InvalidArgument);
        await Http.AssertProblemAsync(await admin.PutAsync("/api/v1/teams/t1", new { name = "x", timeZone = "Mars/Base" }), HttpStatusCode.BadRequest, ErrorCodes.InvalidTimeZone);
        await Http.AssertProblemAsync(await admin.PutAsync("/api/v1/teams/t1", new { name = "x", preferences = new { gracePeriodSeconds = -1 } }), HttpStatusCode.BadRequest, ErrorCodes.InvalidPreferences);
        await Http.AssertProblemAsync(await admin.PutAsync("/api/v1/teams/t1", new { name = "x", supervisors = Enumerable.Range(0, 51).Select(i => $"s{i}") }), HttpStatusCode.BadRequest, ErrorCodes.InvalidArgument);
        await Http.AssertProblemAsync(await admin.PutAsync("/api/v1/teams/t1", "{\"name\":\"x\",\"colour\":\"red\"}"), HttpStatusCode.BadRequest, Problems.InvalidRequest);
        await Http.AssertProblemAsync(await admin.PutAsync("/api/v1/teams/t1", new { name = "x" }, ifMatch: "W/\"0\""), HttpStatusCode.PreconditionFailed, ErrorCodes.VersionMismatch);
    }

    private static Task<HttpResponseMessage> DeleteAsync(ApiClient caller, string path, string ifMatch) =>
        caller.SendAsync(HttpMethod.Delete, path, configure: request => request.Headers.TryAddWithoutValidation("If-Match", ifMatch));

    private sealed record TeamListBody(IReadOnlyList<TeamSummary> Items, string? NextCursor);
}
