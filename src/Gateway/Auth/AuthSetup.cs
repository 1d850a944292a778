using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using WorkSessions.Gateway.Errors;

namespace WorkSessions.Gateway.Auth;

public static class AuthSetup
{
    /// <summary>JWT bearer authentication and the three role policies (docs/http-api.md).</summary>
    public static WebApplicationBuilder AddWorkSessionsAuth(this WebApplicationBuilder builder)
    {
        var options = AuthOptions.Read(builder.Configuration);
        var mapping = ClaimMapping.From(options);
        if (string.IsNullOrEmpty(options.SigningKey) && string.IsNullOrEmpty(options.Authority))
        {
            if (!builder.Environment.IsDevelopment())
            {
                throw new InvalidOperationException(
                    "Auth:SigningKey or Auth:Authority must be configured outside Development; the Gateway refuses to start without one.");
            }
        }

        if (options.TokenCacheCapacity < 0)
        {
            throw new InvalidOperationException("Auth:TokenCacheCapacity must be 0 (off) or more.");
        }

        if (!string.IsNullOrEmpty(options.SigningKey) && options.SigningKey.Length < 32)
        {
            throw new InvalidOperationException("Auth:SigningKey must be at least 32 characters long.");
        }

        if (options.SigningKey == AuthOptions.PublishedDevelopmentKey && NonLoopbackAddress(builder.Configuration) is { } exposed)
        {
            throw new InvalidOperationException(
                $"The development signing key published in the repository is accepted only by a Gateway that listens on loopback "
                + $"addresses, and '{exposed}' is not one: anyone could mint tokens for it. Configure Auth:SigningKey or Auth:Authority of your own.");
        }

        // An authority wins over a signing key (Development's appsettings always carry one): its keys alone validate tokens.
        var signingKey = string.IsNullOrEmpty(options.Authority) && !string.IsNullOrEmpty(options.SigningKey) ? options.SigningKey : null;

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(mapping);
        builder.Services.AddSingleton(sp => new TokenIssuer(options, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(jwt =>
        {
            jwt.MapInboundClaims = false;
            if (!string.IsNullOrEmpty(options.Authority))
            {
                jwt.Authority = options.Authority;
                // Metadata over plain http only from this machine (a test's or a developer's own provider on loopback).
                jwt.RequireHttpsMetadata = !(Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority) && authority.IsLoopback);
            }

            jwt.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = options.ExpectedIssuer,
                ValidAudience = options.Audience,
                ValidateIssuer = true,
                ValidateAudience = true,
                ValidateLifetime = true,
                ClockSkew = TimeSpan.FromSeconds(30),
                NameClaimType = WorkSessionsClaims.Subject,
                RoleClaimType = WorkSessionsClaims.Role,
                IssuerSigningKey = signingKey is null ? null : TokenIssuer.SigningKey(signingKey),
                ValidateIssuerSigningKey = true,
            };
            jwt.Events = new JwtBearerEvents
            {
                OnChallenge = async context =>
                {
                    context.HandleResponse();
                    await Problems.WriteAsync(context.HttpContext, Problems.Unauthorized);
                },
                // A valid token that maps to none of our roles is told so: the identity provider's set-up is what to fix.
                OnForbidden = context => Problems.WriteAsync(
                    context.HttpContext, ClaimMapping.HasAnyRole(context.HttpContext.User) ? Problems.Forbidden : Problems.NoRole),
            };
        });
        // The handler and its cache live as long as the options (the process). Token lifetimes are judged on the wall
        // clock, as the library's own check does: tokens carry their issuer's real time, whatever clock the product runs on.
        // Claims are mapped under the cache, so a hit returns the mapped identity. The handler keeps the provider's claim
        // names as sent (no inbound map turning 'roles' or 'groups' into long URIs): Auth:Claims names them as the token does.
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure(jwt =>
        {
            jwt.TokenHandlers.Clear();
            jwt.TokenHandlers.Add(new CachedTokenValidation(
                new MappedTokenValidation(new JsonWebTokenHandler { MapInboundClaims = false }, mapping), TimeProvider.System, options.TokenCacheCapacity));
        });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Agent, policy => policy.RequireRole(WorkSessionsClaims.AgentRole))
            .AddPolicy(Policies.Supervisor, policy => policy.RequireRole(WorkSessionsClaims.SupervisorRole, WorkSessionsClaims.AdminRole))
            .AddPolicy(Policies.Admin, policy => policy.RequireRole(WorkSessionsClaims.AdminRole))
            .AddPolicy(Policies.AnyRole, policy => policy.RequireRole(WorkSessionsClaims.AgentRole, WorkSessionsClaims.SupervisorRole, WorkSessionsClaims.AdminRole));
        return builder;
    }

    /// <summary>
    /// The first configured listening address that is not loopback, or null. Without any, ASP.NET Core listens on
    /// localhost; <c>http_ports</c> / <c>https_ports</c> bind every interface.
    /// </summary>
    private static string? NonLoopbackAddress(IConfiguration configuration)
    {
        foreach (var key in new[] { "http_ports", "https_ports" })
        {
            if (!string.IsNullOrWhiteSpace(configuration[key]))
            {
                return $"{key}={configuration[key]}";
            }
        }

        var urls = (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Concat(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(endpoint => endpoint["Url"]).OfType<string>());
        return urls.FirstOrDefault(url => !IsLoopback(url));
    }

    private static bool IsLoopback(string url)
    {
        var host = url.Replace("://*", "://wildcard.invalid", StringComparison.Ordinal).Replace("://+", "://wildcard.invalid", StringComparison.Ordinal);
        if (!Uri.TryCreate(host, UriKind.Absolute, out var uri))
        {
            return false;
        }

        return uri.IsLoopback || string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase);
    }
}
