using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;
using WorkSessions.Gateway.Errors;

namespace WorkSessions.Gateway.Auth;

public static class AuthSetup
{
    /// <summary>JWT bearer authentication and the three role policies (docs/http-api.md).</summary>
    public static WebApplicationBuilder AddWorkSessionsAuth(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        if (string.IsNullOrEmpty(options.SigningKey) && string.IsNullOrEmpty(options.Authority))
        {
            if (!builder.Environment.IsDevelopment())
            {
                throw new InvalidOperationException(
                    "Auth:SigningKey or Auth:Authority must be configured outside Development; the Gateway refuses to start without one.");
            }
        }

        if (!string.IsNullOrEmpty(options.SigningKey) && options.SigningKey.Length < 32)
        {
            throw new InvalidOperationException("Auth:SigningKey must be at least 32 characters long.");
        }

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(sp => new TokenIssuer(options, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(jwt =>
        {
            jwt.MapInboundClaims = false;
            if (!string.IsNullOrEmpty(options.Authority))
            {
                jwt.Authority = options.Authority;
            }

            jwt.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = options.ExpectedIssuer,
                ValidAudience = options.Audience,
                ValidateIssuer = true,
                ValidateAudience = true,
                ValidateLifetime = true,
                ClockSkew = TimeSpan.FromSeconds(30),
                NameClaimType = WorkSessionClaims.Subject,
                RoleClaimType = WorkSessionClaims.Role,
                IssuerSigningKey = string.IsNullOrEmpty(options.SigningKey) ? null : TokenIssuer.SigningKey(options.SigningKey),
                ValidateIssuerSigningKey = true,
            };
            jwt.Events = new JwtBearerEvents
            {
                OnTokenValidated = context =>
                {
                    var tenant = context.Principal?.FindFirst(WorkSessionClaims.Tenant)?.Value;
                    var subject = context.Principal?.FindFirst(WorkSessionClaims.Subject)?.Value;
                    if (!AgentKey.IsValidTenantId(tenant) || string.IsNullOrEmpty(subject))
                    {
                        context.Fail("The token needs a valid 'tenant' claim and a 'sub' claim.");
                    }

                    return Task.CompletedTask;
                },
                OnChallenge = async context =>
                {
                    context.HandleResponse();
                    await Problems.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized, "unauthorized",
                        "Authentication required", "Send a valid bearer token.");
                },
                OnForbidden = context => Problems.WriteAsync(context.HttpContext, StatusCodes.Status403Forbidden, "forbidden",
                    "Forbidden", "Your role does not allow this."),
            };
        });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Agent, policy => policy.RequireRole(WorkSessionClaims.AgentRole))
            .AddPolicy(Policies.Supervisor, policy => policy.RequireRole(WorkSessionClaims.SupervisorRole, WorkSessionClaims.AdminRole))
            .AddPolicy(Policies.Admin, policy => policy.RequireRole(WorkSessionClaims.AdminRole));
        return builder;
    }
}
