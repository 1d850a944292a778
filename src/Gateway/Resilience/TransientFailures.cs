using System.Data.Common;
using System.Net.Sockets;
using Orleans.Runtime;
using Orleans.Serialization;

namespace WorkSessions.Gateway.Resilience;

/// <summary>
/// Failures that say the cluster cannot serve right now (a silo lost and not yet declared dead, a gateway too busy, the
/// database down), as opposed to a bug: they are 503s with <c>Retry-After</c>, and an idempotent call may be retried.
/// </summary>
public static class TransientFailures
{
    /// <summary>Whether <paramref name="exception"/>, or an exception it wraps, is a transient cluster or storage failure.</summary>
    /// <param name="exception">What a grain call threw.</param>
    public static bool IsTransient(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is TimeoutException or OrleansMessageRejectionException or GatewayTooBusyException
                or Orleans.Runtime.Messaging.ConnectionFailedException or ClientNotAvailableException
                or DbException or SocketException)
            {
                return true;
            }

            // A storage exception thrown in a silo (an activation that could not read its state while the database was
            // down) arrives under its type name, or as the silo's failure to serialize a driver exception it has no codec for.
            if ((current is UnavailableExceptionFallbackException fallback && IsStorageOrNetworkType(fallback.ExceptionType))
                || (current is CodecNotFoundException && NamesStorageOrNetworkType(current.Message)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The storage failure in <paramref name="exception"/>'s chain (the database refused or could not take the command),
    /// or null when it is of another kind.
    /// </summary>
    /// <param name="exception">What a grain call threw.</param>
    public static Exception? StorageFailure(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is DbException
                || (current is UnavailableExceptionFallbackException fallback && IsStorageType(fallback.ExceptionType))
                || (current is CodecNotFoundException && StorageNamespaces.Any(prefix => current.Message.Contains(prefix, StringComparison.Ordinal))))
            {
                return current;
            }
        }

        return null;
    }

    private static readonly string[] StorageNamespaces = ["Npgsql.", "Microsoft.Data.Sqlite.", "System.Data."];

    private static bool IsStorageType(string? typeName) =>
        typeName is not null && StorageNamespaces.Any(prefix => typeName.StartsWith(prefix, StringComparison.Ordinal));

    private static bool NamesStorageOrNetworkType(string message) =>
        StorageOrNetworkNamespaces.Any(prefix => message.Contains(prefix, StringComparison.Ordinal));

    private static readonly string[] StorageOrNetworkNamespaces = ["Npgsql.", "Microsoft.Data.Sqlite.", "System.Data.", "System.Net.Sockets."];

    private static bool IsStorageOrNetworkType(string? typeName) =>
        typeName is not null
        && (typeName.StartsWith("Npgsql.", StringComparison.Ordinal)
            || typeName.StartsWith("Microsoft.Data.Sqlite.", StringComparison.Ordinal)
            || typeName.StartsWith("System.Data.", StringComparison.Ordinal)
            || typeName.StartsWith("System.Net.Sockets.", StringComparison.Ordinal));
}
