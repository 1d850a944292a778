using System.Net;
using System.Text.Json.Nodes;
using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.Contracts.Webhooks;
using WorkSessions.Gateway.Apis;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// The webhook routes (docs/http-api.md#webhooks) on the shared Gateway, outside Development: the secret shown once,
/// the limit, the URL rules, another tenant's endpoints, admins only.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class WebhooksApiTests(GatewayFixture fixture)
{
    private const string Webhooks = "/api/v1/webhooks";

    [Fact]
    public async Task Create_Is201WithTheSecretOnce_AndReadsNeverShowIt()
    {
        var admin = fixture.NewTenant().Admin();

        var response = await admin.PostAsync(Webhooks, new { url = "https://hooks.example.com/in", kinds = new[] { "session-ended" }, description = "payroll" });
        var created = await Http.ReadAsync<WebhookCreated>(response, HttpStatusCode.Created);

        Assert.Matches("^whsec_[A-Za-z0-9+/]{43}=$", created.Secret);
        Assert.Equal(32, Convert.FromBase64String(created.Secret["whsec_".Length..]).Length);
        Assert.Equal((WebhookStatus.Active, "https://hooks.example.com/in", "payroll", true), (created.Status, created.Webhook.Url, created.Webhook.Description, created.Webhook.Enabled));
        Assert.Equal(["session-ended"], created.Webhook.Kinds);
        Assert.EndsWith($"/webhooks/{created.WebhookId}", response.Headers.Location?.ToString(), StringComparison.Ordinal);

        var one = await (await admin.GetAsync($"{Webhooks}/{created.WebhookId}")).Content.ReadAsStringAsync();
        var list = await (await admin.GetAsync(Webhooks)).Content.ReadAsStringAsync();
        Assert.DoesNotContain(created.Secret["whsec_".Length..], one, StringComparison.Ordinal);
        Assert.DoesNotContain(created.Secret["whsec_".Length..], list, StringComparison.Ordinal);
        var read = await Http.ReadAsync<WebhookView>(await admin.GetAsync($"{Webhooks}/{created.WebhookId}"), HttpStatusCode.OK);
        Assert.Equal(created.Webhook with { Kinds = [] }, read with { Kinds = [] });
        Assert.Equal(created.Webhook.Kinds, read.Kinds);
        var listed = Assert.Single((await Http.ReadAsync<WebhookList>(await admin.GetAsync(Webhooks), HttpStatusCode.OK)).Items);
        Assert.Equal(created.WebhookId, listed.WebhookId);
    }

    [Fact]
    public async Task EleventhEndpoint_Is409WebhookLimit_AndADeleteMakesRoom()
    {
        var admin = fixture.NewTenant().Admin();
        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add((await Http.ReadAsync<WebhookCreated>(await admin.PostAsync(Webhooks, new { url = $"https://hooks.example.com/{i}" }), HttpStatusCode.Created)).WebhookId);
        }

        await Http.AssertProblemAsync(await admin.PostAsync(Webhooks, new { url = "https://hooks.example.com/11" }), HttpStatusCode.Conflict, ErrorCodes.WebhookLimit);

        await Http.AssertStatusAsync(await admin.DeleteAsync($"{Webhooks}/{ids[3]}"), HttpStatusCode.NoContent);
        await Http.AssertProblemAsync(await admin.GetAsync($"{Webhooks}/{ids[3]}"), HttpStatusCode.NotFound, ErrorCodes.WebhookNotFound);
        await Http.AssertStatusAsync(await admin.PostAsync(Webhooks, new { url = "https://hooks.example.com/11" }), HttpStatusCode.Created);
    }

    [Theory]
    [InlineData("http://hooks.example.com/in")]
    [InlineData("https://127.0.0.1/in")]
    [InlineData("https://10.0.0.8/in")]
    [InlineData("https://172.20.1.1/in")]
    [InlineData("https://192.168.1.10/in")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://0.0.0.0/in")]
    [InlineData("https://[::1]/in")]
    [InlineData("https://[fe80::1]/in")]
    [InlineData("https://[fd00::1]/in")]
    [InlineData("https://[::ffff:127.0.0.1]/in")]
    [InlineData("https://[ff02::1]/in")]
    [InlineData("https://224.0.0.1/in")]
    [InlineData("https://localhost/in")]
    [InlineData("https://user:secret@hooks.example.com/in")]
    [InlineData("/relative/in")]
    [InlineData("ftp://hooks.example.com/in")]
    [InlineData("")]
    public async Task RefusedUrl_Is400InvalidWebhookUrl_OnCreateAndOnUpdate(string url)
    {
        var admin = fixture.NewTenant().Admin();
        await Http.AssertProblemAsync(await admin.PostAsync(Webhooks, new { url }), HttpStatusCode.BadRequest, ErrorCodes.InvalidWebhookUrl);
        Assert.Empty((await Http.ReadAsync<WebhookList>(await admin.GetAsync(Webhooks), HttpStatusCode.OK)).Items);

        var created = await Http.ReadAsync<WebhookCreated>(await admin.PostAsync(Webhooks, new { url = "https://hooks.example.com/ok" }), HttpStatusCode.Created);
        await Http.AssertProblemAsync(await admin.PutAsync($"{Webhooks}/{created.WebhookId}", new { url }), HttpStatusCode.BadRequest, ErrorCodes.InvalidWebhookUrl);
        Assert.Equal("https://hooks.example.com/ok", (await Http.ReadAsync<WebhookView>(await admin.GetAsync($"{Webhooks}/{created.WebhookId}"), HttpStatusCode.OK)).Url);
    }

    [Fact]
    public async Task UnknownKind_Is400InvalidArgument()
    {
        var admin = fixture.NewTenant().Admin();
        await Http.AssertProblemAsync(await admin.PostAsync(Webhooks, new { url = "https://hooks.example.com/in", kinds = new[] { "session-paused" } }), HttpStatusCode.BadRequest, ErrorCodes.InvalidArgument);
    }

    [Fact]
    public async Task AnotherTenantsEndpoint_IsIndistinguishableFromAMissingOne()
    {
        var mine = fixture.NewTenant().Admin();
        var theirs = fixture.NewTenant().Admin();
        var created = await Http.ReadAsync<WebhookCreated>(await mine.PostAsync(Webhooks, new { url = "https://hooks.example.com/mine" }), HttpStatusCode.Created);
        var unknown = Guid.NewGuid().ToString("N");

        foreach (var id in new[] { created.WebhookId, unknown, "not-an-id" })
        {
            var path = $"{Webhooks}/{id}";
            await Http.AssertProblemAsync(await theirs.GetAsync(path), HttpStatusCode.NotFound, ErrorCodes.WebhookNotFound);
            await Http.AssertProblemAsync(await theirs.PutAsync(path, new { enabled = false }), HttpStatusCode.NotFound, ErrorCodes.WebhookNotFound);
            await Http.AssertProblemAsync(await theirs.DeleteAsync(path), HttpStatusCode.NotFound, ErrorCodes.WebhookNotFound);
            await Http.AssertProblemAsync(await theirs.PostAsync(path + "/rotate-secret"), HttpStatusCode.NotFound, ErrorCodes.WebhookNotFound);
            await Http.AssertProblemAsync(await theirs.PostAsync(path + "/replay", new { after = 0 }), HttpStatusCode.NotFound, ErrorCodes.WebhookNotFound);
            await Http.AssertProblemAsync(await theirs.GetAsync(path + "/deliveries"), HttpStatusCode.NotFound, ErrorCodes.WebhookNotFound);
        }

        Assert.Empty((await Http.ReadAsync<WebhookList>(await theirs.GetAsync(Webhooks), HttpStatusCode.OK)).Items);
        Assert.True((await Http.ReadAsync<WebhookView>(await mine.GetAsync($"{Webhooks}/{created.WebhookId}"), HttpStatusCode.OK)).Enabled);
    }

    [Fact]
    public async Task Routes_AreForAdminsOnly()
    {
        var tenant = fixture.NewTenant();
        var created = await Http.ReadAsync<WebhookCreated>(await tenant.Admin().PostAsync(Webhooks, new { url = "https://hooks.example.com/a" }), HttpStatusCode.Created);
        foreach (var caller in new[] { tenant.Supervisor(), tenant.Agent("alice") })
        {
            await Http.AssertProblemAsync(await caller.GetAsync(Webhooks), HttpStatusCode.Forbidden, "forbidden");
            await Http.AssertProblemAsync(await caller.PostAsync(Webhooks, new { url = "https://hooks.example.com/b" }), HttpStatusCode.Forbidden, "forbidden");
            await Http.AssertProblemAsync(await caller.GetAsync($"{Webhooks}/{created.WebhookId}"), HttpStatusCode.Forbidden, "forbidden");
            await Http.AssertProblemAsync(await caller.PostAsync($"{Webhooks}/{created.WebhookId}/rotate-secret"), HttpStatusCode.Forbidden, "forbidden");
        }

        Assert.Single((await Http.ReadAsync<WebhookList>(await tenant.Admin().GetAsync(Webhooks), HttpStatusCode.OK)).Items);
    }

    [Fact]
    public async Task UpdateRotateReplayAndDeliveries_AnswerTheirShapes()
    {
        var admin = fixture.NewTenant().Admin();
        var created = await Http.ReadAsync<WebhookCreated>(await admin.PostAsync(Webhooks, new { url = "https://hooks.example.com/a" }), HttpStatusCode.Created);
        var path = $"{Webhooks}/{created.WebhookId}";

        var held = await Http.ReadAsync<WebhookView>(await admin.PutAsync(path, new { enabled = false, kinds = new[] { "status-changed" } }), HttpStatusCode.OK);
        Assert.Equal((false, WebhookStatus.Disabled), (held.Enabled, held.Status));
        Assert.Equal(["status-changed"], held.Kinds);

        var rotated = await Http.ReadAsync<WebhookSecretRotated>(await admin.PostAsync(path + "/rotate-secret"), HttpStatusCode.OK);
        Assert.NotEqual(created.Secret, rotated.Secret);
        Assert.Equal(rotated.PreviousSecretExpiresAt, (await Http.ReadAsync<WebhookView>(await admin.GetAsync(path), HttpStatusCode.OK)).PreviousSecretExpiresAt);

        Assert.Equal(7, (await Http.ReadAsync<WebhookView>(await admin.PostAsync(path + "/replay", new { after = 7 }), HttpStatusCode.OK)).DeliveredPosition);
        await Http.AssertProblemAsync(await admin.PostAsync(path + "/replay", new { after = -1 }), HttpStatusCode.BadRequest, ErrorCodes.InvalidCursor);
        await Http.AssertProblemAsync(await admin.PostAsync(path + "/replay", new { }), HttpStatusCode.BadRequest, ErrorCodes.InvalidCursor);

        Assert.Empty((await Http.ReadAsync<ReportPage<WebhookDelivery>>(await admin.GetAsync(path + "/deliveries?limit=5"), HttpStatusCode.OK)).Items);
        await Http.AssertProblemAsync(await admin.GetAsync(path + "/deliveries?cursor=abc"), HttpStatusCode.BadRequest, ErrorCodes.InvalidCursor);
        await Http.AssertProblemAsync(await admin.GetAsync(path + "/deliveries?limit=0"), HttpStatusCode.BadRequest, ErrorCodes.InvalidArgument);
    }
}
