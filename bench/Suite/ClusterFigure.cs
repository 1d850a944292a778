using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using WorkSessions.Gateway.Auth;

namespace WorkSessions.Bench.Suite;

/// <summary>
/// <c>suite cluster --postgres CS [--agents 2000] [--rate 1000] [--seconds 30] [--silos 3] [--rounds 2]</c>: what the
/// cluster costs. The same HTTP heartbeat load at a fixed rate against (a) one Gateway with its silo in the same process
/// and (b) <c>--silos</c> silo processes (<c>src/Silo</c>) with a Gateway in client mode, all on the same PostgreSQL
/// database and the same machine; the figure is the CPU time all the product's processes spent per heartbeat (user +
/// system, read from the kernel), with what they spend idle (membership probes, table refreshes) measured before the
/// load and taken out. A fixed rate, not wrk's as-fast-as-possible, so both set-ups do the same work and the CPU per
/// heartbeat is comparable whatever else the machine runs. Rounds alternate the two set-ups.
/// </summary>
internal static class ClusterFigure
{
    private const int WarmUpSeconds = 5;
    private const int IdleSeconds = 5;

    public static async Task<int> RunAsync(SuiteArguments arguments)
    {
        var postgres = arguments.Value("--postgres") ?? throw new ArgumentException("suite cluster needs --postgres CONNECTION_STRING");
        var gatewayDll = Path.GetFullPath(arguments.Value("--gateway") ?? "src/Gateway/bin/Release/net10.0/WorkSessions.Gateway.dll");
        var siloDll = Path.GetFullPath(arguments.Value("--silo") ?? "src/Silo/bin/Release/net10.0/WorkSessions.Silo.dll");
        var agents = arguments.Int("--agents", 2000);
        var rate = arguments.Int("--rate", 1000);
        var seconds = arguments.Int("--seconds", 30);
        var silos = arguments.Int("--silos", 3);
        var rounds = arguments.Int("--rounds", 2);

        Console.WriteLine($"cluster overhead: {agents:N0} agents, {rate:N0} heartbeats/s for {seconds} s, cohosted vs {silos} silos + a client Gateway, PostgreSQL, {rounds} round(s)");
        var cohosted = new List<LoadResult>();
        var cluster = new List<LoadResult>();
        for (var round = 1; round <= rounds; round++)
        {
            cohosted.Add(await MeasureAsync("cohosted", gatewayDll, siloDll, postgres, 0, agents, rate, seconds));
            cluster.Add(await MeasureAsync($"{silos} silos + client Gateway", gatewayDll, siloDll, postgres, silos, agents, rate, seconds));
        }

        var cohostedCpu = Measure.Summarize(cohosted.Select(result => result.CpuPerHeartbeatMicros).ToList()).Median;
        var clusterCpu = Measure.Summarize(cluster.Select(result => result.CpuPerHeartbeatMicros).ToList()).Median;
        Console.WriteLine(
            $"result: cpu per heartbeat cohosted {cohostedCpu:N1} µs, cluster {clusterCpu:N1} µs, ratio {clusterCpu / cohostedCpu:N2} " +
            $"(idle cohosted {Measure.Summarize(cohosted.Select(r => r.IdleCpuPercent).ToList()).Median:N1} %, cluster {Measure.Summarize(cluster.Select(r => r.IdleCpuPercent).ToList()).Median:N1} % of one core; " +
            $"heartbeat p99 cohosted {Measure.Summarize(cohosted.Select(r => r.P99Ms).ToList()).Median:N1} ms, cluster {Measure.Summarize(cluster.Select(r => r.P99Ms).ToList()).Median:N1} ms)");
        Measure.Report("cluster.cpu_per_heartbeat_cohosted_us", cohostedCpu);
        Measure.Report("cluster.cpu_per_heartbeat_cluster_us", clusterCpu);
        Measure.Report("cluster.cpu_ratio", clusterCpu / cohostedCpu);
        return 0;
    }

    private static async Task<LoadResult> MeasureAsync(string label, string gatewayDll, string siloDll, string postgres, int silos, int agents, int rate, int seconds)
    {
        var clusterId = "bench-" + Guid.NewGuid().ToString("N")[..8];
        var key = ServerProcess.NewSigningKey();
        var processes = new List<Process>();
        var teardown = new CancellationTokenSource();
        try
        {
            var shared = new Dictionary<string, string>
            {
                ["Storage__Provider"] = "postgres",
                ["Storage__ConnectionString"] = postgres,
                ["Orleans__ClusterId"] = clusterId,
                ["Orleans__ServiceId"] = clusterId,
                ["Logging__LogLevel__Default"] = "Warning",
            };
            var siloStarts = new List<Task>();
            for (var index = 0; index < silos; index++)
            {
                var (process, started) = StartSilo(siloDll, shared, teardown.Token);
                processes.Add(process);
                siloStarts.Add(started);
            }

            await Task.WhenAll(siloStarts).WaitAsync(TimeSpan.FromMinutes(3));
            var port = BenchSilo.FreePort();
            var gateway = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(gatewayDll)!, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            gateway.ArgumentList.Add(gatewayDll);
            foreach (var (name, value) in ServerProcess.GatewayEnvironment(key, new DirectoryInfo(Path.GetTempPath()), port).Concat(shared))
            {
                gateway.Environment[name] = value;
            }

            if (silos > 0)
            {
                gateway.Environment["Orleans__Mode"] = "client";
            }

            processes.Add(Start(gateway, "gateway", null, teardown.Token));
            var baseAddress = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
            using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(baseAddress), Timeout = TimeSpan.FromSeconds(30) };
            await WaitReadyAsync(client, processes[^1], TimeSpan.FromMinutes(2));

            var tenant = "bench-" + Guid.NewGuid().ToString("N")[..8];
            var issuer = new TokenIssuer(new AuthOptions { SigningKey = key }, TimeProvider.System);
            var admin = issuer.Issue(tenant, "admin", [WorkSessionsClaims.AdminRole], TimeSpan.FromHours(2));
            using (var put = new HttpRequestMessage(HttpMethod.Put, "/api/v1/preferences/work-sessions")
            {
                Content = new StringContent("""{"workSessionsEnabled":true,"autoEndEnabled":false,"inactivityTimeoutSeconds":3600,"gracePeriodSeconds":600}""", Encoding.UTF8, "application/json"),
            })
            {
                put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
                using var answer = await client.SendAsync(put);
                answer.EnsureSuccessStatusCode();
            }

            var tokens = Enumerable.Range(0, agents).Select(i => issuer.Issue(tenant, $"agent-{i}", [WorkSessionsClaims.AgentRole], TimeSpan.FromHours(2))).ToArray();
            await Parallel.ForEachAsync(tokens, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (token, _) =>
            {
                // A busy machine may answer 503 (storage busy, with Retry-After): the client's documented move is to retry.
                for (var attempt = 1; ; attempt++)
                {
                    using var start = new HttpRequestMessage(HttpMethod.Post, "/api/v1/me/work-session") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
                    start.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                    using var answer = await client.SendAsync(start);
                    if (answer.StatusCode != System.Net.HttpStatusCode.ServiceUnavailable || attempt == 10)
                    {
                        answer.EnsureSuccessStatusCode();
                        return;
                    }

                    await Task.Delay(answer.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
                }
            });

            await HeartbeatsAsync(client, tokens, rate, WarmUpSeconds);

            // What the processes spend with nothing to do: membership probes, table refreshes, timers.
            var idleFrom = CpuTime(processes);
            var idleWatch = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(IdleSeconds));
            var idlePerSecond = (CpuTime(processes) - idleFrom).TotalMicroseconds / idleWatch.Elapsed.TotalSeconds;

            var from = CpuTime(processes);
            var watch = Stopwatch.StartNew();
            var load = await HeartbeatsAsync(client, tokens, rate, seconds);
            var spent = (CpuTime(processes) - from).TotalMicroseconds - idlePerSecond * watch.Elapsed.TotalSeconds;
            var result = new LoadResult(spent / Math.Max(1, load.Succeeded), idlePerSecond / 1e4, load.P99Ms);
            Console.WriteLine(
                $"  {label}: {load.Succeeded:N0} heartbeats ({load.Failed:N0} failed) in {watch.Elapsed.TotalSeconds:N1} s, " +
                $"CPU {result.CpuPerHeartbeatMicros:N1} µs a heartbeat beyond idle ({result.IdleCpuPercent:N1} % of a core idle), " +
                $"p50 {load.P50Ms:N1} ms, p99 {load.P99Ms:N1} ms");
            return result;
        }
        finally
        {
            teardown.Cancel();
            foreach (var process in processes)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }

                ChildProcess.Forget(process);
                process.Dispose();
            }
        }
    }

    private static (Process Process, Task Started) StartSilo(string siloDll, Dictionary<string, string> shared, CancellationToken teardown)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(siloDll)!, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(siloDll);
        info.ArgumentList.Add($"--Orleans:SiloPort={BenchSilo.FreePort().ToString(CultureInfo.InvariantCulture)}");
        info.ArgumentList.Add($"--Orleans:GatewayPort={BenchSilo.FreePort().ToString(CultureInfo.InvariantCulture)}");
        info.ArgumentList.Add($"--Metrics:Port={BenchSilo.FreePort().ToString(CultureInfo.InvariantCulture)}");
        info.ArgumentList.Add("--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information");
        foreach (var (name, value) in shared)
        {
            info.Environment[name] = value;
        }

        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = Start(info, "silo", line =>
        {
            if (line.Contains("Application started.", StringComparison.Ordinal))
            {
                started.TrySetResult();
            }
        }, teardown);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => started.TrySetException(new InvalidOperationException("a silo exited before it started"));
        return (process, started.Task);
    }

    private static Process Start(ProcessStartInfo info, string label, Action<string>? onLine, CancellationToken teardown)
    {
        var process = Process.Start(info)!;
        ChildProcess.Track(process);
        void Line(string? text)
        {
            if (string.IsNullOrEmpty(text))
            {
                return;
            }

            onLine?.Invoke(text);
            // Only the product's own errors: the warnings of a cluster on a busy machine (late probes) and of its
            // teardown (connections refused) are no part of the figure.
            if (!teardown.IsCancellationRequested && (text.StartsWith("fail:", StringComparison.Ordinal) || text.StartsWith("crit:", StringComparison.Ordinal)))
            {
                Console.Error.WriteLine($"  [{label}] {text}");
            }
        }

        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.ErrorDataReceived += (_, e) => Line(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitReadyAsync(HttpClient client, Process gateway, TimeSpan bound)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < bound)
        {
            if (gateway.HasExited)
            {
                throw new InvalidOperationException($"the Gateway exited with {gateway.ExitCode} before it was ready");
            }

            try
            {
                using var response = await client.GetAsync("/health/ready");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("the Gateway was not ready in time");
    }

    /// <summary>
    /// Heartbeats at <paramref name="rate"/> a second for <paramref name="seconds"/>, each agent in turn: a batch every
    /// 10 ms, at most 256 in flight (a server that falls behind shows as latency and a lower count, not as a pile-up).
    /// </summary>
    private static async Task<LoadFigures> HeartbeatsAsync(HttpClient client, string[] tokens, int rate, int seconds)
    {
        var latencies = new List<double>(rate * seconds);
        var failed = 0;
        using var inFlight = new SemaphoreSlim(256);
        var pending = new List<Task>();
        var watch = Stopwatch.StartNew();
        var sent = 0L;
        var next = 0;
        while (watch.Elapsed.TotalSeconds < seconds)
        {
            var due = (long)(watch.Elapsed.TotalSeconds * rate);
            for (; sent < due; sent++)
            {
                await inFlight.WaitAsync();
                var token = tokens[next];
                next = (next + 1) % tokens.Length;
                pending.Add(Task.Run(async () =>
                {
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/me/work-session/activity");
                        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                        using var answer = await client.SendAsync(request);
                        if (answer.IsSuccessStatusCode)
                        {
                            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                            lock (latencies)
                            {
                                latencies.Add(elapsed);
                            }
                        }
                        else
                        {
                            Interlocked.Increment(ref failed);
                        }
                    }
                    catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                    {
                        Interlocked.Increment(ref failed);
                    }
                    finally
                    {
                        inFlight.Release();
                    }
                }));
            }

            if (pending.Count > 10_000)
            {
                pending.RemoveAll(task => task.IsCompleted);
            }

            await Task.Delay(10);
        }

        await Task.WhenAll(pending);
        latencies.Sort();
        return new LoadFigures(latencies.Count, failed, Measure.Percentile(latencies, 0.50), Measure.Percentile(latencies, 0.99));
    }

    private static TimeSpan CpuTime(IEnumerable<Process> processes)
    {
        var total = TimeSpan.Zero;
        foreach (var process in processes)
        {
            process.Refresh();
            total += process.TotalProcessorTime;
        }

        return total;
    }

    private sealed record LoadFigures(int Succeeded, int Failed, double P50Ms, double P99Ms);

    private sealed record LoadResult(double CpuPerHeartbeatMicros, double IdleCpuPercent, double P99Ms);
}
