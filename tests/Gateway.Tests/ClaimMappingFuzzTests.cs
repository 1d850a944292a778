using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using WorkSessions.Gateway.Auth;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// Seeded random claim sets, in every JSON shape a token can carry, under the default mapping and each provider recipe:
/// mapping never throws, and whatever it accepts is an identity the endpoints can rely on — one subject, one valid
/// tenant, only our roles, each at most once.
/// </summary>
public sealed class ClaimMappingFuzzTests
{
    private const int Seed = 20261207;
    private const int TokensPerMapping = 1500;

    private static readonly string[] Names =
    [
        "sub", "tenant", "role", "roles", "groups", "tid", "oid", "preferred_username", "realm_access", "realm_access.roles", "resource_access", "exp.x",
    ];

    private static readonly string[] Strings =
    [
        "agent", "supervisor", "admin", "ws-agent", "ws-admin", "WorkSessions.Agent", "Work Sessions Admins", "acme", "t-1", "Acme", "", " ", "..",
        "{\"roles\":[\"ws-admin\"]}", "[\"admin\"]", "null", "\u0000", "ü", new string('a', 64), new string('b', 300), "a,b", "admin ",
    ];

    [Fact]
    public async Task RandomClaims_AreMappedToAUsableIdentityOrRefused_NeverAnException()
    {
        var random = new Random(Seed);
        var handler = new JsonWebTokenHandler { MapInboundClaims = false };
        var key = TokenIssuer.SigningKey(GatewayFixture.SigningKey);
        var parameters = new TokenValidationParameters
        {
            ValidIssuer = GatewayFixture.Issuer,
            ValidAudience = GatewayFixture.Audience,
            IssuerSigningKey = key,
            NameClaimType = WorkSessionsClaims.Subject,
            RoleClaimType = WorkSessionsClaims.Role,
        };
        var mappings = new[] { ("default", ClaimMapping.Default) }
            .Concat(new[] { IdentityProvider.Keycloak, IdentityProvider.Entra, IdentityProvider.Okta }.Select(provider => (provider.Name, provider.Mapping())));
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);

        foreach (var (name, mapping) in mappings)
        {
            var validation = new MappedTokenValidation(handler, mapping);
            for (var i = 0; i < TokensPerMapping; i++)
            {
                var claims = new Dictionary<string, object>();
                for (var count = random.Next(0, 7); count > 0; count--)
                {
                    claims[Names[random.Next(Names.Length)]] = Value(random, depth: 0);
                }

                var token = IdentityProvider.Mint(claims);
                var description = $"{name} #{i} (seed {Seed}): {System.Text.Json.JsonSerializer.Serialize(claims)}";
                var result = await validation.ValidateTokenAsync(token, parameters);
                if (!result.IsValid)
                {
                    // The library refuses some shapes itself (a 'sub' that is not a string); the mapping refuses the rest.
                    Assert.NotNull(result.Exception);
                    outcomes["refused"] = outcomes.GetValueOrDefault("refused") + 1;
                    continue;
                }

                var identity = result.ClaimsIdentity;
                var subjects = identity.FindAll(WorkSessionsClaims.Subject).ToList();
                var tenants = identity.FindAll(WorkSessionsClaims.Tenant).ToList();
                var roles = identity.FindAll(WorkSessionsClaims.Role).Select(claim => claim.Value).ToList();
                Assert.True(subjects.Count == 1 && subjects[0].Value.Length > 0, description);
                Assert.True(tenants.Count == 1 && AgentKey.IsValidTenantId(tenants[0].Value), description);
                Assert.True(roles.Distinct().Count() == roles.Count && roles.All(role => role is "agent" or "supervisor" or "admin"), description);
                Assert.All(identity.Claims, claim => Assert.Contains(claim.Type, new[] { "sub", "tenant", "role", "exp" }));
                var outcome = roles.Count == 0 ? "no role" : "mapped";
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            }
        }

        // The generator reaches every outcome, so the assertions above were exercised.
        Assert.True(outcomes.GetValueOrDefault("refused") > 0 && outcomes.GetValueOrDefault("no role") > 0 && outcomes.GetValueOrDefault("mapped") > 0,
            string.Join(", ", outcomes.Select(outcome => $"{outcome.Key}×{outcome.Value}")));
    }

    private static object Value(Random random, int depth) => (depth > 3 ? random.Next(3) : random.Next(8)) switch
    {
        0 or 1 => Strings[random.Next(Strings.Length)],
        2 => random.Next(4) == 0 ? -1.5 : random.Next(-5, 100),
        3 => Enumerable.Range(0, random.Next(0, 5)).Select(_ => Value(random, depth + 1)).ToArray(),
        4 => Enumerable.Range(0, random.Next(0, 5)).Select(_ => Strings[random.Next(Strings.Length)]).ToArray(),
        5 => new Dictionary<string, object> { [Pick(random, ["roles", "account", "realm_access", "x.y"])] = Value(random, depth + 1) },
        6 => random.Next(2) == 0,
        _ => new Dictionary<string, object> { ["roles"] = Enumerable.Range(0, random.Next(0, 4)).Select(_ => Strings[random.Next(Strings.Length)]).ToArray() },
    };

    private static string Pick(Random random, string[] items) => items[random.Next(items.Length)];
}
