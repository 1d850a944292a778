using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace WorkSessions.Gateway.Auth;

/// <summary>Mints HS256 tokens with the configured key: the development <c>token</c> command and tests use it.</summary>
public sealed class TokenIssuer(AuthOptions options, TimeProvider timeProvider)
{
    public string Issue(string tenantId, string userId, IEnumerable<string> roles, TimeSpan lifetime)
    {
        if (string.IsNullOrEmpty(options.SigningKey))
        {
            throw new InvalidOperationException("Auth:SigningKey is not configured; tokens cannot be minted.");
        }

        var now = timeProvider.GetUtcNow().UtcDateTime;
        var claims = new List<Claim> { new(WorkSessionsClaims.Subject, userId), new(WorkSessionsClaims.Tenant, tenantId) };
        claims.AddRange(roles.Select(role => new Claim(WorkSessionsClaims.Role, role)));
        var descriptor = new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity(claims),
            Issuer = options.ExpectedIssuer,
            Audience = options.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            SigningCredentials = new SigningCredentials(SigningKey(options.SigningKey), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    public static SymmetricSecurityKey SigningKey(string key) => new(Encoding.UTF8.GetBytes(key));
}
