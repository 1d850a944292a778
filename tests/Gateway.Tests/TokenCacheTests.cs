using System.Security.Claims;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using WorkSessions.Gateway.Auth;

namespace WorkSessions.Gateway.Tests;

/// <summary>The cache of validated tokens never accepts a token that full validation would refuse.</summary>
public sealed class TokenCacheTests
{
    private const string Key = "token-cache-tests-signing-key-0123456789";
    private const string OtherKey = "token-cache-tests-another-key-0123456789";
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));
    private readonly CountingHandler _inner = new();

    [Fact]
    public async Task ARepeatedToken_IsValidatedInFullOnce_AndAnsweredWithItsClaims()
    {
        var cache = Cache();
        var token = Issue(Key);

        var first = await cache.ValidateTokenAsync(token, Parameters());
        var second = await cache.ValidateTokenAsync(token, Parameters());

        Assert.True(first.IsValid);
        Assert.True(second.IsValid);
        Assert.Equal(1, _inner.Calls);
        Assert.Equal("alice", second.ClaimsIdentity.FindFirst("sub")?.Value);
        Assert.Equal("acme", second.ClaimsIdentity.FindFirst("tenant")?.Value);
        Assert.Equal(first.SecurityToken.ValidTo, second.SecurityToken.ValidTo);
    }

    [Fact]
    public async Task AProviderToken_IsRememberedAsItsMappedIdentity()
    {
        var cache = MappedCache(IdentityProvider.Keycloak);
        var token = ProviderToken(IdentityProvider.Keycloak.Payload("acme", "alice", ["ws-agent", "ws-admin"]));

        var first = await cache.ValidateTokenAsync(token, Parameters());
        var second = await cache.ValidateTokenAsync(token, Parameters());

        Assert.True(first.IsValid);
        Assert.True(second.IsValid);
        Assert.Equal(1, _inner.Calls);
        Assert.Equal(1, cache.Count);
        foreach (var identity in new[] { first.ClaimsIdentity, second.ClaimsIdentity })
        {
            // Only the mapped claims: the provider's UUID sub and its realm_access are not there to be read by mistake.
            Assert.Equal(["sub=alice", "tenant=acme", "role=admin", "role=agent", "exp"],
                identity.Claims.Select(claim => claim.Type == "exp" ? "exp" : $"{claim.Type}={claim.Value}"));
            Assert.True(new ClaimsPrincipal(identity).IsInRole(WorkSessionsClaims.AgentRole));
        }
    }

    [Fact]
    public async Task AProviderTokenWithABadTenant_IsRefusedEveryTime_AndNeverRemembered()
    {
        var cache = MappedCache(IdentityProvider.Keycloak);
        var token = ProviderToken(IdentityProvider.Keycloak.Payload("Not_A_Tenant", "alice", ["ws-agent"]));

        for (var attempt = 0; attempt < 2; attempt++)
        {
            var result = await cache.ValidateTokenAsync(token, Parameters());
            Assert.False(result.IsValid);
            Assert.Contains("'tenant'", result.Exception.Message, StringComparison.Ordinal);
        }

        Assert.Equal(2, _inner.Calls);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task AProviderTokenWithNoMappedRole_IsRememberedWithoutARole()
    {
        var cache = MappedCache(IdentityProvider.Keycloak);
        var token = ProviderToken(IdentityProvider.Keycloak.Payload("acme", "alice", ["agent"]));

        await cache.ValidateTokenAsync(token, Parameters());
        var hit = await cache.ValidateTokenAsync(token, Parameters());

        Assert.True(hit.IsValid);
        Assert.Equal(1, _inner.Calls);
        Assert.False(ClaimMapping.HasAnyRole(new ClaimsPrincipal(hit.ClaimsIdentity)));
    }

    [Fact]
    public async Task ACachedToken_PastItsExpiry_IsRefused()
    {
        var cache = Cache();
        var token = Issue(Key, TimeSpan.FromMinutes(10));
        Assert.True((await cache.ValidateTokenAsync(token, Parameters())).IsValid);

        _time.Advance(TimeSpan.FromMinutes(10) + Skew - TimeSpan.FromSeconds(1));
        Assert.True((await cache.ValidateTokenAsync(token, Parameters())).IsValid);

        _time.Advance(TimeSpan.FromSeconds(2));
        var late = await cache.ValidateTokenAsync(token, Parameters());
        Assert.False(late.IsValid);
        Assert.IsType<SecurityTokenInvalidLifetimeException>(late.Exception);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task ATokenWithABadSignature_IsRefused_ThoughOneWithTheSameClaimsIsCached()
    {
        var cache = Cache();
        var good = Issue(Key);
        var forged = Issue(OtherKey);
        // Same header and claims (same clock), only the signature differs.
        Assert.Equal(good[..good.LastIndexOf('.')], forged[..forged.LastIndexOf('.')]);
        Assert.True((await cache.ValidateTokenAsync(good, Parameters())).IsValid);

        Assert.False((await cache.ValidateTokenAsync(forged, Parameters())).IsValid);
        var flipped = good[..^2] + (good[^2] == 'A' ? 'B' : 'A') + good[^1];
        Assert.False((await cache.ValidateTokenAsync(flipped, Parameters())).IsValid);
        Assert.False((await cache.ValidateTokenAsync(good + "x", Parameters())).IsValid);
        Assert.True((await cache.ValidateTokenAsync(good, Parameters())).IsValid);
    }

    [Fact]
    public async Task TheCache_HoldsAtMostItsCapacity_AndStillAnswersEveryToken()
    {
        var cache = Cache(capacity: 8);
        var tokens = Enumerable.Range(0, 50).Select(i => Issue(Key, user: $"agent-{i}")).ToArray();

        foreach (var token in tokens.Concat(tokens))
        {
            var result = await cache.ValidateTokenAsync(token, Parameters());
            Assert.True(result.IsValid);
            Assert.InRange(cache.Count, 0, 8);
        }

        Assert.InRange(_inner.Calls, 50, 100);
    }

    [Fact]
    public async Task WhenFull_ExpiredTokensLeaveFirst()
    {
        var cache = Cache(capacity: 4);
        for (var i = 0; i < 4; i++)
        {
            Assert.True((await cache.ValidateTokenAsync(Issue(Key, TimeSpan.FromMinutes(1), $"short-{i}"), Parameters())).IsValid);
        }

        _time.Advance(TimeSpan.FromMinutes(2));
        var longLived = Issue(Key, TimeSpan.FromHours(1), "long");
        Assert.True((await cache.ValidateTokenAsync(longLived, Parameters())).IsValid);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public async Task AfterTheSigningKeysRotate_ATokenSignedWithADroppedKey_IsRefused()
    {
        var cache = Cache();
        var token = Issue(Key);
        var before = Parameters();
        before.IssuerSigningKey = null;
        before.IssuerSigningKeys = [TokenIssuer.SigningKey(Key), TokenIssuer.SigningKey(OtherKey)];
        Assert.True((await cache.ValidateTokenAsync(token, before)).IsValid);

        var after = Parameters();
        after.IssuerSigningKey = null;
        after.IssuerSigningKeys = [TokenIssuer.SigningKey(OtherKey)];
        Assert.False((await cache.ValidateTokenAsync(token, after)).IsValid);
        Assert.Equal(2, _inner.Calls);
    }

    [Fact]
    public async Task ATokenOfAnIssuerNoLongerTrusted_IsRefused()
    {
        var cache = Cache();
        var token = Issue(Key);
        Assert.True((await cache.ValidateTokenAsync(token, Parameters())).IsValid);

        var after = Parameters();
        after.ValidIssuer = "someone-else";
        Assert.False((await cache.ValidateTokenAsync(token, after)).IsValid);
    }

    [Fact]
    public async Task EachAnswer_HasItsOwnIdentity()
    {
        var cache = Cache();
        var token = Issue(Key);
        await cache.ValidateTokenAsync(token, Parameters());

        var first = await cache.ValidateTokenAsync(token, Parameters());
        first.ClaimsIdentity.AddClaim(new Claim("role", "admin"));
        var second = await cache.ValidateTokenAsync(token, Parameters());

        Assert.Equal(["agent"], second.ClaimsIdentity.FindAll("role").Select(claim => claim.Value));
    }

    [Fact]
    public async Task WithCapacityZero_EveryCallIsValidatedInFull()
    {
        var cache = Cache(capacity: 0);
        var token = Issue(Key);
        for (var i = 0; i < 3; i++)
        {
            Assert.True((await cache.ValidateTokenAsync(token, Parameters())).IsValid);
        }

        Assert.Equal(3, _inner.Calls);
        Assert.Equal(0, cache.Count);
    }

    [Theory]
    [InlineData(-31, false)]
    [InlineData(-29, true)]
    [InlineData(0, true)]
    [InlineData(599, true)]
    [InlineData(630, true)]
    [InlineData(631, false)]
    public void TheLifetimeRule_AllowsTheSkewOnBothSides(int secondsAfterStart, bool current)
    {
        var start = new DateTime(2026, 12, 2, 9, 0, 0, DateTimeKind.Utc);
        Assert.Equal(current, TokenLifetime.IsCurrent(start, start.AddMinutes(10), start.AddSeconds(secondsAfterStart), Skew));
    }

    [Fact]
    public void ATokenWithoutExpiry_OrEndingBeforeItStarts_IsNeverCurrent()
    {
        var now = new DateTime(2026, 12, 2, 9, 0, 0, DateTimeKind.Utc);
        Assert.False(TokenLifetime.IsCurrent(now, null, now, Skew));
        Assert.False(TokenLifetime.IsCurrent(now, now.AddSeconds(-1), now, Skew));
    }

    private CachedTokenValidation Cache(int capacity = 100) => new(_inner, _time, capacity);

    // As AuthSetup stacks them: the cache over the mapping over full validation.
    private CachedTokenValidation MappedCache(IdentityProvider provider) => new(new MappedTokenValidation(_inner, provider.Mapping()), _time, 100);

    private string ProviderToken(Dictionary<string, object> claims)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            Issuer = AuthOptions.DefaultName,
            Audience = AuthOptions.DefaultName,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddHours(1),
            SigningCredentials = new SigningCredentials(SharedKey, SecurityAlgorithms.HmacSha256),
        });
    }

    private string Issue(string key, TimeSpan? lifetime = null, string user = "alice") =>
        new TokenIssuer(new AuthOptions { SigningKey = key }, _time).Issue("acme", user, [WorkSessionsClaims.AgentRole], lifetime ?? TimeSpan.FromHours(1));

    // As AuthSetup configures them.
    private TokenValidationParameters Parameters() => new()
    {
        ValidIssuer = AuthOptions.DefaultName,
        ValidAudience = AuthOptions.DefaultName,
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        ClockSkew = Skew,
        IssuerSigningKey = SharedKey,
        ValidateIssuerSigningKey = true,
        LifetimeValidator = (notBefore, expires, _, parameters) =>
            TokenLifetime.IsCurrent(notBefore, expires, _time.GetUtcNow().UtcDateTime, parameters.ClockSkew),
    };

    // One key object for the process, as the options hold it.
    private static readonly SymmetricSecurityKey SharedKey = TokenIssuer.SigningKey(Key);

    private sealed class CountingHandler : TokenHandler
    {
        private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public override Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
        {
            Interlocked.Increment(ref _calls);
            return _handler.ValidateTokenAsync(token, validationParameters);
        }
    }
}
