using Microsoft.IdentityModel.Tokens;

namespace WorkSessions.Gateway.Auth;

/// <summary>
/// Validates a token with <paramref name="inner"/>, then maps its claims (<see cref="ClaimMapping"/>): the result's
/// identity is the one endpoints read, and a token without a usable subject or tenant fails as an invalid token (401).
/// The token cache wraps this handler, so a heartbeat's cache hit returns the mapped identity without mapping again.
/// </summary>
/// <param name="inner">The handler that validates a token in full (a <c>JsonWebTokenHandler</c>, with its claim names as sent).</param>
/// <param name="mapping">How the identity provider's claims become ours.</param>
public sealed class MappedTokenValidation(TokenHandler inner, ClaimMapping mapping) : TokenHandler
{
    /// <inheritdoc />
    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var result = await inner.ValidateTokenAsync(token, validationParameters);
        if (!result.IsValid || result.ClaimsIdentity is not { } identity)
        {
            return result;
        }

        if (mapping.Map(identity, out var failure) is not { } mapped)
        {
            return new TokenValidationResult { IsValid = false, Exception = new SecurityTokenValidationException(failure) };
        }

        return new TokenValidationResult
        {
            IsValid = true,
            SecurityToken = result.SecurityToken,
            ClaimsIdentity = mapped,
            Issuer = result.Issuer,
            TokenType = result.TokenType,
        };
    }

    /// <inheritdoc />
    public override SecurityToken ReadToken(string token) => inner.ReadToken(token);

    /// <inheritdoc />
    public override int MaximumTokenSizeInBytes
    {
        get => inner.MaximumTokenSizeInBytes;
        set => inner.MaximumTokenSizeInBytes = value;
    }
}
