using System.Text.Json;
using System.Text.Json.Nodes;
using WorkSessions.Contracts;

namespace WorkSessions.Domain.Tests;

/// <summary>The tenant's not-ready reasons: their defaults, value equality, stored JSON and rules (docs/architecture.md#preferences).</summary>
public sealed class NotReadyReasonTests
{
    private static readonly PreferenceRules Rules = new(60, 30);

    private static readonly string[] Defaults = ["Break", "Lunch", "Training", "Meeting"];

    private static WorkSessionPreferences With(params string[] reasons) => new(true, true, 600, 60) { NotReadyReasons = [.. reasons] };

    [Fact]
    public void LeftOut_TheReasonsAreTheDefaults()
    {
        Assert.Equal(Defaults, new WorkSessionPreferences(true, false, 600, 60).NotReadyReasons);
        Assert.Equal(Defaults, WorkSessionPreferences.Default.NotReadyReasons);
        Assert.Equal(Defaults, (new WorkSessionPreferences(true, false, 600, 60) with { NotReadyReasons = default }).NotReadyReasons);
    }

    [Fact]
    public void Preferences_AreEqualByTheirReasons_InOrder()
    {
        var one = With("Coaching", "Lunch");
        var same = With(new string("Coaching".AsSpan()), "Lunch");
        var reordered = With("Lunch", "Coaching");

        Assert.Equal(one, same);
        Assert.True(one == same);
        Assert.Equal(one.GetHashCode(), same.GetHashCode());
        Assert.NotEqual(one, reordered);
        Assert.NotEqual(one, With("Coaching"));
        Assert.NotEqual(one, one with { GracePeriodSeconds = 61 });
        Assert.Equal(new TenantPreferences(one, 3, null, "admin-1"), new TenantPreferences(same, 3, null, "admin-1"));
        Assert.Equal(new WorkSessionPreferences(true, true, 600, 60), With(Defaults));
    }

    [Fact]
    public void AnAgentOfferedTheReasonsItHolds_KeepsWhatItHolds()
    {
        var agent = new AgentUnderTest();
        var held = new TenantPreferences(With("Coaching", "Lunch"), 2, AgentUnderTest.T0, AgentUnderTest.AdminId);
        agent.Session.ApplyPreferences(held);

        // The same values as another instance: a push, or the tenant's answer to an announcement, read from storage.
        var events = agent.Session.ApplyPreferences(held with { Preferences = With("Coaching", "Lunch") });

        Assert.Empty(events);
        Assert.Same(held, agent.Data.Preferences);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void StoredJson_RoundTrips_AndJsonFromBeforeTheReasons_ReadsTheDefaults(bool web)
    {
        // Grain state is stored with the default settings, report events with the web ones.
        var json = web ? new JsonSerializerOptions(JsonSerializerDefaults.Web) : new JsonSerializerOptions();
        var stored = new TenantPreferences(With("Coaching", "Lunch"), 4, AgentUnderTest.T0, "admin-1");

        var text = JsonSerializer.Serialize(stored, json);
        Assert.Equal(stored, JsonSerializer.Deserialize<TenantPreferences>(text, json));

        var old = JsonNode.Parse(text)!;
        var preferences = old[web ? "preferences" : "Preferences"]!.AsObject();
        Assert.True(preferences.Remove(web ? "notReadyReasons" : "NotReadyReasons"));
        var read = JsonSerializer.Deserialize<TenantPreferences>(old.ToJsonString(), json)!;

        Assert.Equal(Defaults, read.Preferences.NotReadyReasons);
        Assert.Equal(stored with { Preferences = new WorkSessionPreferences(true, true, 600, 60) }, read);
    }

    [Fact]
    public void AgentStateStoredBeforeTheReasons_Loads_WithTheDefaults()
    {
        var agent = new AgentUnderTest();
        agent.Start(AgentStatus.NotReady, "Lunch");
        var old = JsonNode.Parse(agent.Snapshot())!;
        Assert.True(old["Preferences"]!["Preferences"]!.AsObject().Remove("NotReadyReasons"));

        var read = JsonSerializer.Deserialize<AgentState>(old.ToJsonString())!;

        Assert.Equal(agent.Data.Preferences, read.Preferences);
        Assert.Equal(Defaults, read.Preferences.Preferences.NotReadyReasons);
        Assert.Equal("Lunch", read.StatusReason);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(20)]
    public void Rules_AcceptOneToTwentyReasons(int count)
    {
        Rules.Validate(With([.. Enumerable.Range(1, count).Select(i => $"Reason {i}")]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(21)]
    public void Rules_RejectNoReasons_OrMoreThanTwenty(int count)
    {
        var error = Assert.Throws<WorkSessionException>(() => Rules.Validate(With([.. Enumerable.Range(1, count).Select(i => $"Reason {i}")])));

        Assert.Equal(ErrorCodes.InvalidPreferences, error.Code);
        Assert.Equal($"notReadyReasons must hold between 1 and 20 reasons, not {count}.", error.Message);
    }

    [Fact]
    public void Rules_CountCharactersAfterTrimming()
    {
        var forty = new string('x', 40);

        Rules.Validate(With("  " + forty + "  ", "Lunch"));
        Assert.Equal(
            "notReadyReasons: reason 1 is longer than 40 characters.",
            Assert.Throws<WorkSessionException>(() => Rules.Validate(With(forty + "y", "Lunch"))).Message);
    }

    [Theory]
    [InlineData("", "notReadyReasons: reason 2 is empty.")]
    [InlineData("   ", "notReadyReasons: reason 2 is empty.")]
    [InlineData("lunch", "notReadyReasons: reason 2 repeats reason 1.")]
    [InlineData(" LUNCH ", "notReadyReasons: reason 2 repeats reason 1.")]
    public void Rules_RejectEmptyReasons_AndRepeatsInAnyCase(string second, string message)
    {
        var error = Assert.Throws<WorkSessionException>(() => Rules.Validate(With("Lunch", second)));

        Assert.Equal(ErrorCodes.InvalidPreferences, error.Code);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Rules_RejectControlCharacters_AndHalfSurrogatePairs()
    {
        // Not theory data: a NUL or half a pair in a test case's name is more than some runners take.
        foreach (var reason in new[] { "Tea\u0000break", "Tea\nbreak", "Tea\u0085break", "Tea\u007fbreak", "Half \ud800 pair", "Half \udc00 pair" })
        {
            var error = Assert.Throws<WorkSessionException>(() => Rules.Validate(With("Lunch", reason)));

            Assert.Equal("notReadyReasons: reason 2 holds a control character or half a surrogate pair.", error.Message);
        }
    }

    [Fact]
    public void Rules_AcceptLettersOfAnyScript_AndPairedSurrogates()
    {
        Rules.Validate(With("Café", "Pause déjeuner", "Обед", "☕ Coffee", "🍽 Lunch"));
    }

    [Fact]
    public void Rules_NameEveryProblem_EachPartStartingWithItsField()
    {
        var error = Assert.Throws<WorkSessionException>(() => Rules.Validate(new WorkSessionPreferences(true, true, 1, 30) { NotReadyReasons = ["Lunch", "", "LUNCH"] }));

        Assert.Equal(
            "inactivityTimeoutSeconds must be between 60 and 43200; notReadyReasons: reason 2 is empty; notReadyReasons: reason 3 repeats reason 1.",
            error.Message);
    }

    [Fact]
    public void Normalize_TrimsEachReason_AndKeepsPreferencesThatNeedNone()
    {
        var untrimmed = With(" Coaching ", "Lunch\t");
        var trimmed = With("Coaching", "Lunch");

        Assert.Equal(trimmed, PreferenceRules.Normalize(untrimmed));
        Assert.Same(trimmed, PreferenceRules.Normalize(trimmed));
        Assert.Equal(["Coaching", "Lunch"], PreferenceRules.Normalize(untrimmed).NotReadyReasons.ToArray());
    }
}
