using WorkSessions.TestSupport;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.Gateway.Apis;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// The tenant's not-ready reasons: set by admins with the preferences, read by agents from <c>GET /me/status-reasons</c>
/// (docs/http-api.md).
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class StatusReasonsTests(GatewayFixture fixture)
{
    private static readonly string[] Defaults = ["Break", "Lunch", "Training", "Meeting"];

    private static object Preferences(params string?[] reasons) => new
    {
        workSessionsEnabled = true,
        autoEndEnabled = false,
        inactivityTimeoutSeconds = 600,
        gracePeriodSeconds = 60,
        notReadyReasons = reasons,
    };

    [Fact]
    public async Task ATenantThatNeverListedReasons_OffersTheDefaults()
    {
        var tenant = fixture.NewTenant();

        var response = await tenant.Agent("alice").GetAsync(Paths.MyStatusReasons);

        await Http.AssertStatusAsync(response, HttpStatusCode.OK);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal(["notReadyReasons"], body.Select(property => property.Key));
        Assert.Equal(Defaults, body["notReadyReasons"]!.AsArray().Select(reason => (string?)reason));
        Assert.Equal(Defaults, (await Http.ReadAsync<PreferencesResponse>(await tenant.Admin().GetAsync(Paths.Preferences), HttpStatusCode.OK)).NotReadyReasons);
    }

    [Fact]
    public async Task TheAdminsReasons_TrimmedAndInTheirOrder_AreWhatAgentsRead()
    {
        var tenant = fixture.NewTenant();

        var saved = await Http.ReadAsync<PreferencesResponse>(
            await tenant.Admin().PutAsync(Paths.Preferences, Preferences(" Coaching ", "Lunch", "Team huddle")), HttpStatusCode.OK);

        Assert.Equal(["Coaching", "Lunch", "Team huddle"], saved.NotReadyReasons);
        Assert.Equal(saved, await Http.ReadAsync<PreferencesResponse>(await tenant.Admin().GetAsync(Paths.Preferences), HttpStatusCode.OK));
        var offered = await Http.ReadAsync<StatusReasonsResponse>(await tenant.Agent("alice").GetAsync(Paths.MyStatusReasons), HttpStatusCode.OK);
        Assert.Equal(["Coaching", "Lunch", "Team huddle"], offered.NotReadyReasons);
    }

    [Fact]
    public async Task APutWithoutReasons_AsClientsFromBeforeSendIt_KeepsTheTenantsReasons()
    {
        var tenant = fixture.NewTenant();
        await Http.AssertStatusAsync(await tenant.Admin().PutAsync(Paths.Preferences, Preferences("Coaching")), HttpStatusCode.OK);

        var updated = await tenant.SetPreferencesAsync(enabled: true, autoEnd: true, timeout: 300, grace: 45);

        Assert.Equal((2L, true, 300), (updated.Version, updated.AutoEndEnabled, updated.InactivityTimeoutSeconds));
        Assert.Equal(["Coaching"], updated.NotReadyReasons);
        Assert.Equal(["Coaching"], (await Http.ReadAsync<StatusReasonsResponse>(await tenant.Agent("alice").GetAsync(Paths.MyStatusReasons), HttpStatusCode.OK)).NotReadyReasons);
    }

    public static TheoryData<string[], string> ReasonsAgainstTheRules => new()
    {
        { [], "notReadyReasons must hold between 1 and 20 reasons, not 0" },
        { [.. Enumerable.Range(1, 21).Select(i => $"Reason {i}")], "notReadyReasons must hold between 1 and 20 reasons, not 21" },
        { ["Lunch", "   "], "notReadyReasons: reason 2 is empty" },
        { ["Lunch", "LUNCH "], "notReadyReasons: reason 2 repeats reason 1" },
        { [new string('x', 41)], "notReadyReasons: reason 1 is longer than 40 characters" },
    };

    [Theory]
    [MemberData(nameof(ReasonsAgainstTheRules))]
    public async Task ReasonsAgainstTheRules_Are400InvalidPreferences_NamingTheField_AndChangeNothing(string[] reasons, string detail)
    {
        var admin = fixture.NewTenant().Admin();
        var before = await Http.ReadAsync<PreferencesResponse>(await admin.PutAsync(Paths.Preferences, Preferences("Coaching")), HttpStatusCode.OK);

        var problem = await Http.AssertProblemAsync(await admin.PutAsync(Paths.Preferences, Preferences(reasons)), HttpStatusCode.BadRequest, ErrorCodes.InvalidPreferences);

        Assert.Equal(detail + ".", (string?)problem["detail"]);
        Assert.Equal(before, await Http.ReadAsync<PreferencesResponse>(await admin.GetAsync(Paths.Preferences), HttpStatusCode.OK));
    }

    [Theory]
    [InlineData("""["Lunch", null]""", ErrorCodes.InvalidPreferences, "notReadyReasons: reason 2 is empty.")]
    [InlineData("""["Tea\u0007break"]""", ErrorCodes.InvalidPreferences, "notReadyReasons: reason 1 holds a control character or half a surrogate pair.")]
    [InlineData("\"Lunch\"", "invalid_request", null)]
    [InlineData("[1, 2]", "invalid_request", null)]
    [InlineData("{}", "invalid_request", null)]
    public async Task MalformedReasons_Are400Problems_AndChangeNothing(string reasonsJson, string code, string? detail)
    {
        var admin = fixture.NewTenant().Admin();
        var before = await Http.ReadAsync<PreferencesResponse>(await admin.PutAsync(Paths.Preferences, Preferences("Coaching")), HttpStatusCode.OK);
        var body = """{"workSessionsEnabled":true,"autoEndEnabled":false,"inactivityTimeoutSeconds":600,"gracePeriodSeconds":60,"notReadyReasons":"""
            + reasonsJson + "}";

        var problem = await Http.AssertProblemAsync(await admin.PutAsync(Paths.Preferences, body), HttpStatusCode.BadRequest, code);

        if (detail is not null)
        {
            Assert.Equal(detail, (string?)problem["detail"]);
        }

        Assert.Equal(before, await Http.ReadAsync<PreferencesResponse>(await admin.GetAsync(Paths.Preferences), HttpStatusCode.OK));
    }

    [Fact]
    public async Task PreferencesStoredBeforeTheReasonsExisted_OfferTheDefaults()
    {
        var tenant = fixture.NewTenant();
        await Http.AssertStatusAsync(await tenant.Admin().PutAsync(Paths.Preferences, Preferences("Coaching")), HttpStatusCode.OK);
        var grains = fixture.Services.GetRequiredService<IGrainFactory>();
        var tenantGrain = grains.GetTenantGrain(tenant.Id).GetGrainId();

        // The row as the previous version wrote it, once the tenant has stopped writing (its push is stored); a new
        // version number, so a write of the running activation would fail rather than undo this.
        await using (var connection = await OpenDatabaseAsync())
        {
            var (payload, version) = await WaitForPushedRowAsync(connection, tenant.Id);
            Assert.True(JsonProperties.RemoveEverywhere(payload, "notReadyReasons") >= 1, "The stored row holds the reasons.");
            await using var update = connection.CreateCommand();
            update.CommandText = "UPDATE orleans_grain_state SET payload = @payload, version = @version + 1 "
                + "WHERE grain_type = 'tenant' AND grain_id_extension LIKE '%' || @tenant AND version = @version";
            update.Parameters.AddWithValue("@payload", Encoding.UTF8.GetBytes(payload.ToJsonString()));
            update.Parameters.AddWithValue("@version", version);
            update.Parameters.AddWithValue("@tenant", "/" + tenant.Id);
            Assert.Equal(1, await update.ExecuteNonQueryAsync());
        }

        await grains.GetGrain<IManagementGrain>(0).DeactivateGrain(tenantGrain);

        var offered = await Http.ReadAsync<StatusReasonsResponse>(await tenant.Agent("alice").GetAsync(Paths.MyStatusReasons), HttpStatusCode.OK);
        Assert.Equal(Defaults, offered.NotReadyReasons);
        var read = await Http.ReadAsync<PreferencesResponse>(await tenant.Admin().GetAsync(Paths.Preferences), HttpStatusCode.OK);
        Assert.Equal((1L, true, 600, 60), (read.Version, read.WorkSessionsEnabled, read.InactivityTimeoutSeconds, read.GracePeriodSeconds));
        Assert.Equal(Defaults, read.NotReadyReasons);
    }

    [Fact]
    public async Task ThePreferenceHistory_ShowsTheReasonsOfEachChange()
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true);
        await Http.AssertStatusAsync(await tenant.Admin().PutAsync(Paths.Preferences, Preferences("Coaching", "Lunch")), HttpStatusCode.OK);

        var history = await WorkSessions.TestSupport.Eventually.UntilAsync(
            async () => await Http.ReadAsync<ReportPage<PreferenceChange>>(await tenant.Admin().GetAsync(Paths.PreferenceHistory), HttpStatusCode.OK),
            page => page.Items.Count >= 2, TimeSpan.FromSeconds(30), "both preference changes");

        Assert.Equal(["Coaching", "Lunch"], history.Items[0].NotReadyReasons.ToArray());
        Assert.Equal(Defaults, history.Items[1].NotReadyReasons.ToArray());
    }

    [Fact]
    public async Task TheOpenApiDocument_DescribesTheRoute_AndTheReasonsOfThePreferences()
    {
        var document = JsonNode.Parse(await fixture.Http.GetStringAsync("/openapi/v1.json"))!;
        var schemas = document["components"]!["schemas"]!;

        var operation = document["paths"]!["/api/v1/me/status-reasons"]!["get"]!;
        Assert.Equal("GetMyStatusReasons", (string?)operation["operationId"]);
        Assert.Equal(["Agent"], operation["tags"]!.AsArray().Select(tag => (string?)tag));
        Assert.NotEmpty(operation["security"]!.AsArray());
        Assert.NotNull(operation["responses"]!["403"]);
        var answer = (string?)operation["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"];
        Assert.Equal("#/components/schemas/StatusReasonsResponse", answer);
        AssertListOfText(schemas["StatusReasonsResponse"]!["properties"]!["notReadyReasons"]);
        AssertListOfText(schemas["PreferencesResponse"]!["properties"]!["notReadyReasons"]);
        AssertListOfText(schemas["PreferencesRequest"]!["properties"]!["notReadyReasons"]);

        static void AssertListOfText(JsonNode? property)
        {
            Assert.NotNull(property);
            Assert.Contains("array", property["type"]!.ToJsonString(), StringComparison.Ordinal);
            Assert.Equal("string", (string?)property["items"]!["type"]);
        }
    }

    private async Task<SqliteConnection> OpenDatabaseAsync()
    {
        var connection = new SqliteConnection(fixture.Services.GetRequiredService<IConfiguration>()["Storage:ConnectionString"]);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>The tenant's stored row once it says the push of version 1 is complete: the tenant writes nothing after that.</summary>
    private static async Task<(JsonNode Payload, long Version)> WaitForPushedRowAsync(SqliteConnection connection, string tenantId)
    {
        (JsonNode Payload, long Version)? row = null;
        await Http.EventuallyAsync(async () =>
        {
            await using var read = connection.CreateCommand();
            read.CommandText = "SELECT payload, version FROM orleans_grain_state WHERE grain_type = 'tenant' AND grain_id_extension LIKE '%' || @tenant";
            read.Parameters.AddWithValue("@tenant", "/" + tenantId);
            await using var reader = await read.ExecuteReaderAsync();
            if (!await reader.ReadAsync())
            {
                return false;
            }

            var payload = JsonNode.Parse(Encoding.UTF8.GetString((byte[])reader["payload"]))!;
            var pushed = payload.AsObject().FirstOrDefault(property => string.Equals(property.Key, "pushedVersion", StringComparison.OrdinalIgnoreCase)).Value;
            row = (payload, reader.GetInt64(1));
            return pushed is not null && (long)pushed == 1;
        }, "the tenant's row to record the push of version 1");
        return row!.Value;
    }
}
