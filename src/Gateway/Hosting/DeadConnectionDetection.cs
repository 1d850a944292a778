using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace WorkSessions.Gateway.Hosting;

/// <summary>
/// Lets the Gateway notice a client that vanished without a FIN or RST — a laptop that sleeps, a Wi-Fi that drops, a
/// cable pulled (docs/architecture.md#client-presence). Without it Linux retransmits an event stream's unacknowledged
/// keep-alive comments for about 15 minutes (<c>tcp_retries2</c>) before the socket fails, and the agent's client
/// counts as connected all that time. Kestrel's listen sockets get <c>TCP_USER_TIMEOUT</c> (a connection whose sent
/// data stays unacknowledged for <see cref="GatewayOptions.DeadConnectionTimeout"/> is aborted) and TCP keep-alive
/// probes within the same time (for a connection with nothing to send); Linux copies both to every accepted socket.
/// </summary>
internal static partial class DeadConnectionDetection
{
    /// <summary>The shortest timeout allowed: shorter ones would cut live clients on a slow mobile network.</summary>
    public static readonly TimeSpan MinimumTimeout = TimeSpan.FromSeconds(5);

    // linux/tcp.h; .NET has no SocketOptionName for it.
    private const int TcpUserTimeout = 18;

    private const int KeepAliveProbes = 3;

    /// <summary>Sets the options on every TCP listen socket Kestrel binds, where the operating system has them (Linux).</summary>
    public static IServiceCollection AddDeadConnectionDetection(this IServiceCollection services)
    {
        services.AddOptions<GatewayOptions>().Validate(
            options => options.DeadConnectionTimeout == TimeSpan.Zero || options.DeadConnectionTimeout >= MinimumTimeout,
            $"Gateway:DeadConnectionTimeout must be 00:00:00 (off) or at least {MinimumTimeout}.");
        services.AddOptions<SocketTransportOptions>().Configure<IOptions<GatewayOptions>, ILoggerFactory>((transport, gateway, loggers) =>
        {
            var timeout = gateway.Value.DeadConnectionTimeout;
            if (timeout == TimeSpan.Zero)
            {
                return;
            }

            var logger = loggers.CreateLogger(typeof(DeadConnectionDetection).FullName!);
            if (!OperatingSystem.IsLinux())
            {
                LogUnsupported(logger, RuntimeInformation.OSDescription);
                return;
            }

            var createDefault = transport.CreateBoundListenSocket;
            transport.CreateBoundListenSocket = endpoint =>
            {
                var socket = createDefault(endpoint);
                // A Unix socket or a named pipe has no peer that can vanish.
                if (socket.ProtocolType == ProtocolType.Tcp)
                {
                    Apply(socket, timeout, logger);
                }

                return socket;
            };
        });
        return services;
    }

    private static void Apply(Socket socket, TimeSpan timeout, ILogger logger)
    {
        // Probes start after half the timeout of silence and fit in the other half; TCP_USER_TIMEOUT then ends the
        // connection at the timeout, whether keep-alive probes or data went unanswered.
        var seconds = (int)timeout.TotalSeconds;
        var idle = Math.Max(1, seconds / 2);
        var interval = Math.Max(1, (seconds - idle) / KeepAliveProbes);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, idle);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, interval);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, KeepAliveProbes);
            socket.SetRawSocketOption((int)SocketOptionLevel.Tcp, TcpUserTimeout, BitConverter.GetBytes((int)timeout.TotalMilliseconds));
            LogApplied(logger, socket.LocalEndPoint, timeout);
        }
        catch (SocketException exception)
        {
            // A kernel or sandbox without these options: the Gateway still serves, it only notices vanished clients late.
            LogFailed(logger, exception, socket.LocalEndPoint);
        }
    }

    [LoggerMessage(LogLevel.Debug, "Connections accepted on {Endpoint} are aborted after {Timeout} without an acknowledgement")]
    private static partial void LogApplied(ILogger logger, System.Net.EndPoint? endpoint, TimeSpan timeout);

    [LoggerMessage(LogLevel.Warning, "Could not set the dead-connection options on {Endpoint}; a client that vanishes without closing its connection is noticed only when the operating system gives up on it")]
    private static partial void LogFailed(ILogger logger, Exception exception, System.Net.EndPoint? endpoint);

    [LoggerMessage(LogLevel.Warning, "Gateway:DeadConnectionTimeout is not applied on {OperatingSystem} (Linux only); a client that vanishes without closing its connection is noticed only when the operating system gives up on it")]
    private static partial void LogUnsupported(ILogger logger, string operatingSystem);
}
