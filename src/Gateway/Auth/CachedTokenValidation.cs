using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.IdentityModel.Tokens;

namespace WorkSessions.Gateway.Auth;

/// <summary>
/// Remembers tokens that passed full validation, so a client that sends the same bearer token many times (a heartbeat
/// every few seconds) pays for the signature check and the JSON parsing once (docs/architecture.md#heartbeat-path).
/// </summary>
/// <remarks>
/// <para>A token is only ever remembered after <paramref name="inner"/> accepted it, and it is looked up by its whole
/// encoded form, so a token whose signature (or any other byte) differs from a remembered one misses and is validated
/// in full. A hit is answered only while, by the same clock and skew as full validation, the token is still inside its
/// lifetime, and only while the key that signed it and its issuer are still among the ones the validation parameters
/// trust: with an authority, a refresh of its signing keys (JWKS) that drops a key stops every hit for tokens signed
/// with it. Key objects are compared by reference, so any refresh of the metadata makes every entry miss once.</para>
/// <para>What the cache gives up: a token stays accepted until its expiry (or a key refresh) however it would be judged
/// by a check that looks beyond the token itself; the Gateway has no revocation list, so full validation would accept
/// it too. Audience and the other parameters come from configuration that does not change while the process runs.</para>
/// <para>At most <paramref name="capacity"/> tokens are held; when full, expired ones go first, then arbitrary ones
/// down to three quarters of the capacity, so a flood of distinct tokens costs memory once and full validation
/// thereafter, never unbounded growth.</para>
/// </remarks>
/// <param name="inner">The handler that validates a token in full (a <c>JsonWebTokenHandler</c>).</param>
/// <param name="timeProvider">The clock of lifetime checks on a hit: the one full validation reads (the wall clock,
/// unless the validation parameters' <c>LifetimeValidator</c> reads another).</param>
/// <param name="capacity">How many tokens may be remembered; 0 turns the cache off.</param>
public sealed class CachedTokenValidation(TokenHandler inner, TimeProvider timeProvider, int capacity) : TokenHandler
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _eviction = new();
    private int _count;

    /// <summary>How many tokens are remembered now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <inheritdoc />
    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        ArgumentNullException.ThrowIfNull(validationParameters);
        if (capacity > 0 && token is not null && _entries.TryGetValue(token, out var entry))
        {
            if (entry.StillTrusted(validationParameters, timeProvider.GetUtcNow().UtcDateTime, await AuthorityConfigurationAsync(validationParameters)))
            {
                return entry.ToResult();
            }

            // Expired, or its key or issuer is no longer trusted: full validation gives the reason.
            Forget(token, entry);
        }

        var result = await inner.ValidateTokenAsync(token, validationParameters);
        if (capacity > 0 && token is not null && result.IsValid && Entry.From(result, validationParameters) is { } validated)
        {
            Remember(token, validated);
        }

        return result;
    }

    /// <summary>With an authority, its current metadata (cached by the configuration manager): the keys and issuer it trusts now.</summary>
    private static async ValueTask<BaseConfiguration?> AuthorityConfigurationAsync(TokenValidationParameters parameters) =>
        parameters.ConfigurationManager is { } manager ? await manager.GetBaseConfigurationAsync(CancellationToken.None) : null;

    /// <inheritdoc />
    public override SecurityToken ReadToken(string token) => inner.ReadToken(token);

    /// <inheritdoc />
    public override int MaximumTokenSizeInBytes
    {
        get => inner.MaximumTokenSizeInBytes;
        set => inner.MaximumTokenSizeInBytes = value;
    }

    private void Remember(string token, Entry entry)
    {
        if (Volatile.Read(ref _count) >= capacity)
        {
            Evict();
            if (Volatile.Read(ref _count) >= capacity)
            {
                return;
            }
        }

        if (_entries.TryAdd(token, entry))
        {
            Interlocked.Increment(ref _count);
        }
    }

    private void Forget(string token, Entry entry)
    {
        if (_entries.TryRemove(KeyValuePair.Create(token, entry)))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    private void Evict()
    {
        // One evicting thread is enough; the others validate in full meanwhile and skip remembering.
        if (!_eviction.TryEnter())
        {
            return;
        }

        try
        {
            var now = timeProvider.GetUtcNow().UtcDateTime;
            foreach (var (token, entry) in _entries)
            {
                if (entry.ValidTo <= now)
                {
                    Forget(token, entry);
                }
            }

            var target = capacity - Math.Max(1, capacity / 4);
            foreach (var (token, entry) in _entries)
            {
                if (Volatile.Read(ref _count) <= target)
                {
                    break;
                }

                Forget(token, entry);
            }
        }
        finally
        {
            _eviction.Exit();
        }
    }

    private sealed record Entry(ClaimsIdentity Identity, SecurityToken Token, SecurityKey SigningKey, string Issuer, DateTime ValidFrom, DateTime ValidTo)
    {
        public static Entry? From(TokenValidationResult result, TokenValidationParameters parameters)
        {
            var token = result.SecurityToken;
            // Only what full validation would refuse again once expired: a token without a lifetime or a known key is not kept.
            if (!parameters.ValidateLifetime || !parameters.ValidateIssuerSigningKey || token?.SigningKey is null
                || token.ValidTo == DateTime.MinValue || result.ClaimsIdentity is not { } identity || string.IsNullOrEmpty(token.Issuer))
            {
                return null;
            }

            return new Entry(identity.Clone(), token, token.SigningKey, token.Issuer, token.ValidFrom, token.ValidTo);
        }

        public bool StillTrusted(TokenValidationParameters parameters, DateTime now, BaseConfiguration? authority) =>
            TokenLifetime.IsCurrent(ValidFrom == DateTime.MinValue ? null : ValidFrom, ValidTo, now, parameters.ClockSkew)
            && (ReferenceEquals(parameters.IssuerSigningKey, SigningKey) || Contains(parameters.IssuerSigningKeys, SigningKey)
                || Contains(authority?.SigningKeys, SigningKey))
            && (string.Equals(parameters.ValidIssuer, Issuer, StringComparison.Ordinal) || (parameters.ValidIssuers?.Contains(Issuer, StringComparer.Ordinal) ?? false)
                || string.Equals(authority?.Issuer, Issuer, StringComparison.Ordinal));

        private static bool Contains(IEnumerable<SecurityKey>? keys, SecurityKey key) => keys?.Contains(key, ReferenceEqualityComparer.Instance) ?? false;

        // Each request gets its own identity: nothing a request does to its principal reaches another.
        public TokenValidationResult ToResult() => new()
        {
            IsValid = true,
            SecurityToken = Token,
            ClaimsIdentity = Identity.Clone(),
            Issuer = Issuer,
        };
    }
}

/// <summary>Whether a token is inside its lifetime: the rule of the library's full validation, which the cache applies on a hit.</summary>
public static class TokenLifetime
{
    /// <summary>True when the token has an expiry, <paramref name="now"/> is past its not-before and not past its expiry, both give or take <paramref name="clockSkew"/>.</summary>
    /// <param name="notBefore">The token's <c>nbf</c>, if any.</param>
    /// <param name="expires">The token's <c>exp</c>; a token without one is refused.</param>
    /// <param name="now">The current time (UTC).</param>
    /// <param name="clockSkew">How far the issuer's clock may be off.</param>
    public static bool IsCurrent(DateTime? notBefore, DateTime? expires, DateTime now, TimeSpan clockSkew) =>
        expires is { } expiry
        && (notBefore is not { } start || (start <= expiry && now >= start - clockSkew))
        && now <= expiry + clockSkew;
}
