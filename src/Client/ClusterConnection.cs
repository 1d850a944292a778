using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using WorkSessions.Storage;

namespace WorkSessions.Hosting;

/// <summary>
/// Connects an Orleans client (the Gateway in client mode, a backend service) to the cluster in the background, so the
/// process starts whatever runs already: on a fresh database it first applies the schema migrations (under their
/// database lock, so processes starting together migrate once), then connects, retrying with a capped backoff until a
/// silo answers or the host stops. It replaces Orleans' own hosted client, whose start blocks the host and gives up
/// after a few attempts.
/// </summary>
public sealed partial class ClusterConnection : BackgroundService
{
    /// <summary>The log category of the connection's progress.</summary>
    public const string LogCategory = "WorkSessions.ClusterConnection";

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    private readonly IHostedService _client;
    private readonly WorkSessionsDatabase? _database;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _started;

    /// <summary>Created by the container; see <see cref="WorkSessionsClusterExtensions"/>.</summary>
    public ClusterConnection(IClusterClient client, IServiceProvider services, ILoggerFactory loggerFactory)
    {
        _client = (IHostedService)client;
        _database = services.GetService<WorkSessionsDatabase>();
        _logger = loggerFactory.CreateLogger(LogCategory);
    }

    /// <summary>Whether the client has connected to the cluster (it then reconnects to other silos on its own).</summary>
    public bool IsConnected => _connected.Task.IsCompletedSuccessfully;

    /// <summary>Completes when the client has connected to the cluster.</summary>
    public Task Connected => _connected.Task;

    /// <summary>Whether <paramref name="descriptor"/> is Orleans' hosted client, which this service replaces.</summary>
    internal static bool IsOrleansHostedClient(ServiceDescriptor descriptor) =>
        descriptor.ServiceType == typeof(IHostedService)
        && !descriptor.IsKeyedService
        && descriptor.ImplementationFactory?.Method.Module.Assembly == typeof(IClusterClient).Assembly;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (_database is not null)
            {
                await RetryAsync("apply the schema migrations", token => _database.MigrateAsync(_logger, token), stoppingToken);
            }

            // Orleans retries each connection step while its retry filter (ours, never giving up) says so.
            await _client.StartAsync(stoppingToken);
            _started = true;
            _connected.TrySetResult();
            LogConnected(_logger);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            _connected.TrySetCanceled(stoppingToken);
        }
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_started)
        {
            await _client.StopAsync(cancellationToken);
        }
    }

    private async Task RetryAsync(string what, Func<CancellationToken, Task> attempt, CancellationToken stoppingToken)
    {
        for (var failures = 0; ; failures++)
        {
            try
            {
                await attempt(stoppingToken);
                return;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                var delay = RetryDelay(failures);
                LogRetrying(_logger, what, delay, exception);
                await Task.Delay(delay, stoppingToken);
            }
        }
    }

    /// <summary>250 ms doubling to 5 s: a cluster that starts in the same second connects at once, a late one soon.</summary>
    internal static TimeSpan RetryDelay(int failures) =>
        TimeSpan.FromTicks(Math.Min(MaxRetryDelay.Ticks, FirstRetryDelay.Ticks << Math.Min(failures, 8)));

    [LoggerMessage(LogLevel.Information, "Connected to the cluster")]
    private static partial void LogConnected(ILogger logger);

    [LoggerMessage(LogLevel.Warning, "Could not {What} yet; retrying in {Delay}")]
    internal static partial void LogRetrying(ILogger logger, string what, TimeSpan delay, Exception exception);

    /// <summary>Orleans' connection steps, retried until the host stops: the cluster may come up later than this client.</summary>
    internal sealed class RetryForever(ILoggerFactory loggerFactory) : IClientConnectionRetryFilter
    {
        private readonly ILogger _logger = loggerFactory.CreateLogger(LogCategory);
        private int _failures;

        public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
        {
            var delay = RetryDelay(_failures++);
            LogRetrying(_logger, "connect to the cluster", delay, exception);
            try
            {
                await Task.Delay(delay, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return false;
            }

            return true;
        }
    }
}
