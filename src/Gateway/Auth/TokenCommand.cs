namespace WorkSessions.Gateway.Auth;

/// <summary>
/// <c>token --tenant acme --user alice --role agent [--role supervisor] [--hours 8]</c>: prints a development
/// token signed with the configured <c>Auth:SigningKey</c>.
/// </summary>
public static class TokenCommand
{
    public static int Run(string[] args)
    {
        string? tenant = null, user = null;
        var roles = new List<string>();
        var hours = 8.0;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--tenant": tenant = value; i++; break;
                case "--user": user = value; i++; break;
                case "--role": roles.Add(value ?? ""); i++; break;
                case "--hours" when double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var h) && h > 0: hours = h; i++; break;
                default: return Usage($"unknown argument '{args[i]}'");
            }
        }

        if (!AgentKey.IsValidTenantId(tenant) || string.IsNullOrEmpty(user) || roles.Count == 0
            || roles.Any(role => role is not (WorkSessionsClaims.AgentRole or WorkSessionsClaims.SupervisorRole or WorkSessionsClaims.AdminRole)))
        {
            return Usage("--tenant (a valid tenant id), --user and at least one --role agent|supervisor|admin are required");
        }

        // Development tokens for a development Gateway, unless an environment is named explicitly.
        var environment = EnvironmentName(Environment.GetEnvironmentVariable);
        var configuration = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = environment }).Configuration;
        var options = configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        Console.WriteLine(new TokenIssuer(options, TimeProvider.System).Issue(tenant, user, roles, TimeSpan.FromHours(hours)));
        return 0;
    }

    /// <summary>The environment the Gateway itself would resolve: ASPNETCORE_ENVIRONMENT, then DOTNET_ENVIRONMENT, then Development.</summary>
    internal static string EnvironmentName(Func<string, string?> variable) =>
        NonEmpty(variable("ASPNETCORE_ENVIRONMENT")) ?? NonEmpty(variable("DOTNET_ENVIRONMENT")) ?? Environments.Development;

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static int Usage(string problem)
    {
        Console.Error.WriteLine($"token: {problem}");
        Console.Error.WriteLine("usage: token --tenant acme --user alice --role agent [--role supervisor] [--hours 8]");
        return 2;
    }
}
