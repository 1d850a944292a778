using System.Net;
using System.Net.Sockets;

namespace WorkSessions.TestSupport;

/// <summary>Loopback ports picked at run time, so tests never collide with each other or with a running product.</summary>
public static class LoopbackPorts
{
    /// <summary>
    /// <paramref name="count"/> distinct loopback ports nobody listens on right now: every listener stays open until all
    /// ports are known, so the operating system cannot hand out the same one twice.
    /// </summary>
    public static int[] Take(int count)
    {
        var listeners = new List<TcpListener>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listeners.Add(listener);
                listener.Start();
            }

            return [.. listeners.Select(listener => ((IPEndPoint)listener.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
            }
        }
    }
}
