using System.Text.RegularExpressions;
using CsCheck;
using WorkSessions.Contracts;

namespace WorkSessions.Domain.Tests;

/// <summary>
/// The hand-written id checks of <see cref="AgentKey"/> against the regular expressions they replaced. The old patterns
/// ended in <c>$</c>, which also matches before a final line feed ("acme\n" passed); the rule was always the whole
/// string, so the reference patterns here end in <c>\z</c> and the line feed case has a test of its own.
/// </summary>
public sealed partial class AgentKeyTests
{
    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{0,62}\z")]
    private static partial Regex TenantIdRule();

    [GeneratedRegex(@"^[A-Za-z0-9._@-]{1,128}\z")]
    private static partial Regex AgentIdRule();

    // Every character either rule cares about, their neighbours in ASCII, and look-alikes outside it.
    private const string Alphabet = "abcxyzABCXYZ0189-._@/`{[]:;, \t\n\r\0~\u007f\u00e9\u0130\u212a\uff41\u0660";

    [Fact]
    public void EveryOneAndTwoCharacterString_IsJudgedAsTheRulesSay()
    {
        for (var c = 0; c <= char.MaxValue; c++)
        {
            AssertSameAsRules(((char)c).ToString());
        }

        for (var first = 0; first < 0x250; first++)
        {
            for (var second = 0; second < 0x250; second++)
            {
                AssertSameAsRules(string.Concat((char)first, (char)second));
            }
        }
    }

    [Fact]
    public void GeneratedStrings_AroundTheLengthLimits_AreJudgedAsTheRulesSay() =>
        Gen.OneOf(Gen.Int[0, 4], Gen.Int[60, 66], Gen.Int[125, 131])
            .SelectMany(length => Gen.Frequency(
                (1, Gen.String[Gen.Char[Alphabet], length, length]),
                // Mostly valid characters, so long valid ids and near misses both occur often.
                (3, Gen.String[Gen.Char["abz09-"], length, length]),
                (3, Gen.String[Gen.Char["aZ09._@-"], length, length]),
                (2, Gen.String[Gen.Char["az09-"], length, length].SelectMany(valid =>
                    Gen.Int[0, Math.Max(0, length - 1)].SelectMany(at => Gen.Char[Alphabet].Select(bad =>
                        length == 0 ? valid : string.Concat(valid.AsSpan(0, at), bad.ToString(), valid.AsSpan(at + 1))))))))
            .Sample(AssertSameAsRules, iter: 200_000);

    [Fact]
    public void Keys_AreSplitBackIntoTheirIds_AndMalformedKeysAreRefused() =>
        Gen.Select(Gen.String[Gen.Char["az09-/"], 0, 70], Gen.String[Gen.Char["aZ09._@-/\n"], 0, 130])
            .Sample((tenant, agent) =>
            {
                var key = tenant + "/" + agent;
                var valid = TenantIdRule().IsMatch(tenant) && AgentIdRule().IsMatch(agent);
                if (valid)
                {
                    Assert.Equal(key, AgentKey.Format(tenant, agent));
                    Assert.Equal((tenant, agent), AgentKey.Parse(key));
                }
                else
                {
                    Assert.Equal(ErrorCodes.InvalidId, Assert.Throws<WorkSessionException>(() => AgentKey.Format(tenant, agent)).Code);
                    Assert.Equal(ErrorCodes.InvalidId, Assert.Throws<WorkSessionException>(() => AgentKey.Parse(key)).Code);
                }
            }, iter: 100_000);

    [Theory]
    [InlineData("acme\n", "alice")]
    [InlineData("acme", "alice\n")]
    public void AFinalLineFeed_IsNotPartOfAValidId(string tenant, string agent)
    {
        Assert.False(AgentKey.IsValidTenantId(tenant) && AgentKey.IsValidAgentId(agent));
        Assert.Throws<WorkSessionException>(() => AgentKey.Format(tenant, agent));
        Assert.Throws<WorkSessionException>(() => AgentKey.Parse($"{tenant}/{agent}"));
    }

    [Fact]
    public void NullIds_AreInvalid()
    {
        Assert.False(AgentKey.IsValidTenantId(null));
        Assert.False(AgentKey.IsValidAgentId(null));
    }

    private static void AssertSameAsRules(string candidate)
    {
        if (AgentKey.IsValidTenantId(candidate) != TenantIdRule().IsMatch(candidate))
        {
            Assert.Fail($"tenant id {Show(candidate)}: rule says {TenantIdRule().IsMatch(candidate)}");
        }

        if (AgentKey.IsValidAgentId(candidate) != AgentIdRule().IsMatch(candidate))
        {
            Assert.Fail($"agent id {Show(candidate)}: rule says {AgentIdRule().IsMatch(candidate)}");
        }
    }

    private static string Show(string candidate) => string.Join(" ", candidate.Select(c => ((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)));
}
