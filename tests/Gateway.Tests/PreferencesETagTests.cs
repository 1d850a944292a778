using System.Net;
using WorkSessions.Contracts;
using WorkSessions.Gateway.Apis;

namespace WorkSessions.Gateway.Tests;

/// <summary>Optimistic concurrency on the preferences: the ETag is the version, If-Match guards a PUT.</summary>
[Collection(GatewayCollection.Name)]
public sealed class PreferencesETagTests(GatewayFixture fixture)
{
    private static readonly object Enabled = new { workSessionsEnabled = true, autoEndEnabled = false, inactivityTimeoutSeconds = 600, gracePeriodSeconds = 60 };
    private static readonly object AutoEnd = new { workSessionsEnabled = true, autoEndEnabled = true, inactivityTimeoutSeconds = 900, gracePeriodSeconds = 120 };

    [Fact]
    public async Task Get_NeverSet_IsTheDefaultsWithETagZero()
    {
        var admin = fixture.NewTenant().Admin();

        var response = await admin.GetAsync(Paths.Preferences);
        var preferences = await Http.ReadAsync<PreferencesResponse>(response, HttpStatusCode.OK);

        Assert.Equal("\"0\"", response.Headers.ETag?.ToString());
        Assert.Equal(new PreferencesResponse(false, false, 1800, 180, WorkSessionPreferences.DefaultNotReadyReasons, 0, null, null), preferences);
    }

    [Fact]
    public async Task Put_WithTheCurrentETag_UpdatesAndReturnsTheNextOne()
    {
        var admin = fixture.NewTenant().Admin("admin-9");
        var etag = (await admin.GetAsync(Paths.Preferences)).Headers.ETag!.ToString();
        var changedAt = fixture.Time.GetUtcNow();

        var response = await admin.PutAsync(Paths.Preferences, Enabled, ifMatch: etag);
        var updated = await Http.ReadAsync<PreferencesResponse>(response, HttpStatusCode.OK);

        Assert.Equal("\"1\"", response.Headers.ETag?.ToString());
        Assert.Equal(new PreferencesResponse(true, false, 600, 60, WorkSessionPreferences.DefaultNotReadyReasons, 1, changedAt, "admin-9"), updated);
        var read = await admin.GetAsync(Paths.Preferences);
        Assert.Equal("\"1\"", read.Headers.ETag?.ToString());
        Assert.Equal(updated, await Http.ReadAsync<PreferencesResponse>(read, HttpStatusCode.OK));
    }

    [Fact]
    public async Task Put_WithAStaleETag_Is412_AndChangesNothing()
    {
        var admin = fixture.NewTenant().Admin();
        var stale = (await admin.GetAsync(Paths.Preferences)).Headers.ETag!.ToString();
        var current = await Http.ReadAsync<PreferencesResponse>(await admin.PutAsync(Paths.Preferences, Enabled, ifMatch: stale), HttpStatusCode.OK);

        await Http.AssertProblemAsync(await admin.PutAsync(Paths.Preferences, AutoEnd, ifMatch: stale), HttpStatusCode.PreconditionFailed, ErrorCodes.VersionMismatch);

        var read = await admin.GetAsync(Paths.Preferences);
        Assert.Equal("\"1\"", read.Headers.ETag?.ToString());
        Assert.Equal(current, await Http.ReadAsync<PreferencesResponse>(read, HttpStatusCode.OK));

        // The right one still works, and moves the ETag on.
        var next = await admin.PutAsync(Paths.Preferences, AutoEnd, ifMatch: "\"1\"");
        await Http.AssertStatusAsync(next, HttpStatusCode.OK);
        Assert.Equal("\"2\"", next.Headers.ETag?.ToString());
    }

    [Theory]
    [InlineData("\"7\"")]
    [InlineData("W/\"1\"")]
    [InlineData("\"abc\"")]
    [InlineData("1")]
    public async Task Put_WithAnETagThisVersionDoesNotHave_Is412_AndChangesNothing(string ifMatch)
    {
        var admin = fixture.NewTenant().Admin();
        await Http.AssertStatusAsync(await admin.PutAsync(Paths.Preferences, Enabled), HttpStatusCode.OK);

        var response = await admin.PutAsync(Paths.Preferences, AutoEnd, ifMatch);

        // W/"1" names the current version, but weakly: If-Match compares strongly (RFC 9110 §13.1.1), so it never matches.
        await Http.AssertProblemAsync(response, HttpStatusCode.PreconditionFailed, ErrorCodes.VersionMismatch);

        var after = await Http.ReadAsync<PreferencesResponse>(await admin.GetAsync(Paths.Preferences), HttpStatusCode.OK);
        Assert.Equal((1L, false), (after.Version, after.AutoEndEnabled));
    }

    [Fact]
    public async Task Put_WithoutIfMatch_OrWithStar_AlwaysApplies()
    {
        var admin = fixture.NewTenant().Admin();

        var first = await admin.PutAsync(Paths.Preferences, Enabled);
        var second = await admin.PutAsync(Paths.Preferences, AutoEnd, ifMatch: "*");

        Assert.Equal("\"1\"", first.Headers.ETag?.ToString());
        Assert.Equal("\"2\"", second.Headers.ETag?.ToString());
        Assert.True((await Http.ReadAsync<PreferencesResponse>(second, HttpStatusCode.OK)).AutoEndEnabled);
    }
}
