using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using WorkSessions.Gateway.Auth;

namespace WorkSessions.Bench.Suite;

/// <summary>
/// HTTP heartbeats (<c>POST /api/v1/me/work-session/activity</c>) against the Gateway process, beside a bare ASP.NET
/// Core app's 204 and the Gateway's own <c>/health/live</c>, each with <c>wrk -t2 -c64</c> in the same run, one after
/// the other. The heartbeats rotate over many agents' tokens, each agent with an open session: the admin's token comes
/// from the Gateway's <c>token</c> command, the agents' from the same <see cref="TokenIssuer"/> that command uses (a
/// process per token would take minutes).
/// </summary>
internal static partial class HttpFigure
{
    private const int WarmUpSeconds = 3;

    public static async Task<Dictionary<string, double>> RunAsync(string gatewayDll, int agents, int wrkSeconds)
    {
        var results = new Dictionary<string, double>();
        var key = ServerProcess.NewSigningKey();
        await using var gateway = await ServerProcess.StartGatewayAsync(gatewayDll, key);
        await using var bare = await ServerProcess.StartBareAsync();
        await gateway.WaitForAsync("/health/ready", TimeSpan.FromMinutes(2));
        await bare.WaitForAsync("/", TimeSpan.FromMinutes(1));

        var tenant = "bench-" + Guid.NewGuid().ToString("N")[..8];
        var admin = (await MintWithTokenCommandAsync(gatewayDll, key, tenant, "admin", "admin")).Trim();
        using var client = new HttpClient { BaseAddress = new Uri(gateway.BaseAddress) };
        using (var put = new HttpRequestMessage(HttpMethod.Put, "/api/v1/preferences/work-sessions")
        {
            Content = new StringContent("""{"workSessionsEnabled":true,"autoEndEnabled":false,"inactivityTimeoutSeconds":3600,"gracePeriodSeconds":600}""", Encoding.UTF8, "application/json"),
        })
        {
            put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
            using var answer = await client.SendAsync(put);
            answer.EnsureSuccessStatusCode();
        }

        var issuer = new TokenIssuer(new AuthOptions { SigningKey = key }, TimeProvider.System);
        var tokens = Enumerable.Range(0, agents).Select(i => issuer.Issue(tenant, $"agent-{i}", [WorkSessionsClaims.AgentRole], TimeSpan.FromHours(2))).ToArray();
        await Parallel.ForEachAsync(tokens, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (token, _) =>
        {
            using var start = new HttpRequestMessage(HttpMethod.Post, "/api/v1/me/work-session") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
            start.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var answer = await client.SendAsync(start);
            answer.EnsureSuccessStatusCode();
        });

        var script = Path.Combine(Path.GetTempPath(), $"work-sessions-heartbeats-{Guid.NewGuid():N}.lua");
        await File.WriteAllTextAsync(script, HeartbeatScript(tokens));
        try
        {
            // A short run of each first, discarded: the measured runs see compiled code (tiered JIT promotes hot methods after
            // they have run a while), as a server that has been up does, not the first seconds of a fresh process.
            var warmUp = Math.Min(WarmUpSeconds, wrkSeconds);
            await WrkAsync($"{bare.BaseAddress}/", null, warmUp);
            await WrkAsync($"{gateway.BaseAddress}/health/live", null, warmUp);
            await WrkAsync($"{gateway.BaseAddress}/api/v1/me/work-session/activity", script, warmUp);
            results["http.bare_per_s"] = await WrkAsync($"{bare.BaseAddress}/", null, wrkSeconds);
            results["http.live_per_s"] = await WrkAsync($"{gateway.BaseAddress}/health/live", null, wrkSeconds);
            results["http.heartbeat_per_s"] = await WrkAsync($"{gateway.BaseAddress}/api/v1/me/work-session/activity", script, wrkSeconds);
        }
        finally
        {
            File.Delete(script);
        }

        results["http.heartbeat_vs_bare"] = results["http.heartbeat_per_s"] / results["http.bare_per_s"];
        results["http.heartbeat_vs_live"] = results["http.heartbeat_per_s"] / results["http.live_per_s"];
        return results;
    }

    /// <summary>
    /// Each wrk thread walks the tokens in turn, one request each. The requests are formatted once, in <c>init</c>: wrk
    /// shares the 2 cores with the Gateway, and formatting each request in Lua cost wrk about 7 µs of CPU a request
    /// (22 against 15 µs, bench/HISTORY.md, 2026-12-03, "the load generator's share") that the baselines, which need no
    /// script, do not pay.
    /// </summary>
    private static string HeartbeatScript(IReadOnlyList<string> tokens)
    {
        var lua = new StringBuilder("local tokens = {\n");
        foreach (var token in tokens)
        {
            lua.Append("  \"").Append(token).Append("\",\n");
        }

        lua.Append("""
            }
            local requests = {}
            local i = 0
            init = function(args)
              for n, token in ipairs(tokens) do
                requests[n] = wrk.format("POST", nil, { ["Authorization"] = "Bearer " .. token, ["Content-Length"] = "0" }, nil)
              end
            end
            request = function()
              i = i + 1
              return requests[(i % #requests) + 1]
            end
            """);
        return lua.ToString();
    }

    /// <summary><c>wrk -t2 -c64 -dNs</c>: successful (2xx) responses per second.</summary>
    private static async Task<double> WrkAsync(string url, string? script, int seconds)
    {
        var info = new ProcessStartInfo("wrk");
        foreach (var arg in new[] { "-t2", "-c64", $"-d{seconds.ToString(CultureInfo.InvariantCulture)}s" })
        {
            info.ArgumentList.Add(arg);
        }

        if (script is not null)
        {
            info.ArgumentList.Add("-s");
            info.ArgumentList.Add(script);
        }

        info.ArgumentList.Add(url);
        var output = await ChildProcess.OutputOfAsync(info, TimeSpan.FromSeconds(seconds + 60));
        var requests = double.Parse(RequestsLine().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        var perSecond = double.Parse(RateLine().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        var failed = NonSuccessLine().Match(output) is { Success: true } m ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        Measure.Log($"  wrk {url}: {perSecond:N0} req/s, {failed:N0} of {requests:N0} not 2xx");
        return requests == 0 ? 0 : perSecond * (requests - failed) / requests;
    }

    private static async Task<string> MintWithTokenCommandAsync(string gatewayDll, string key, string tenant, string user, string role)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(gatewayDll)! };
        foreach (var arg in new[] { gatewayDll, "token", "--tenant", tenant, "--user", user, "--role", role })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["Auth__SigningKey"] = key;
        return await ChildProcess.OutputOfAsync(info, TimeSpan.FromMinutes(1));
    }

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex RequestsLine();

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RateLine();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex NonSuccessLine();
}

/// <summary>
/// Start-up: from starting the Gateway's process (Production, a fresh SQLite file) to its first 200 from
/// <c>/health/ready</c> (the silo up and the database migrated); the baseline, a bare ASP.NET Core app's process start
/// to its first response. Both are started as <c>dotnet X.dll</c>.
/// </summary>
internal static class StartupFigure
{
    public static async Task<Dictionary<string, double>> RunAsync(string gatewayDll)
    {
        var results = new Dictionary<string, double>();
        await using (var gateway = await ServerProcess.StartGatewayAsync(gatewayDll, ServerProcess.NewSigningKey()))
        {
            results["startup.gateway_ms"] = (await gateway.WaitForAsync("/health/ready", TimeSpan.FromMinutes(2))).TotalMilliseconds;
        }

        await using (var bare = await ServerProcess.StartBareAsync())
        {
            results["startup.bare_ms"] = (await bare.WaitForAsync("/", TimeSpan.FromMinutes(1))).TotalMilliseconds;
        }

        return results;
    }
}
