using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace WorkSessions.Faults.Tests.Infrastructure;

/// <summary>
/// A private network namespace with a loopback of its own (Linux, as root): a network that can vanish silently.
/// Processes started under <see cref="Launcher"/> and sockets from <see cref="ConnectAsync"/> live in it;
/// <see cref="SetLoopbackAsync"/> takes its loopback down — every packet is then dropped with no FIN, no RST and no
/// error to the sender, as when a laptop sleeps or a cable is pulled — and up again. The machine's own loopback is never
/// touched. (Measured on the test machines: <c>sch_netem</c> and tc's drop action are missing, and a qdisc that drops
/// tells the local sender, which then gives up within seconds; a loopback that is down does not.)
/// </summary>
internal sealed class NetworkNamespace : IDisposable
{
    private const int CloneNewNet = 0x40000000;
    private const string OwnNamespace = "/proc/self/ns/net";

    private readonly Process _holder;

    private NetworkNamespace(Process holder) => _holder = holder;

    /// <summary>The namespace, as a path <c>nsenter --net</c> and <c>setns</c> take.</summary>
    public string Path => $"/proc/{_holder.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)}/ns/net";

    /// <summary>A command prefix that runs a process in the namespace.</summary>
    public IReadOnlyList<string> Launcher => ["nsenter", $"--net={Path}", "--"];

    /// <summary>
    /// Makes the namespace and brings its loopback up; fails (never skips) with what is missing: Linux, root,
    /// <c>unshare</c>/<c>nsenter</c> (util-linux) or <c>ip</c> (iproute2).
    /// </summary>
    public static async Task<NetworkNamespace> CreateAsync()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new InvalidOperationException($"A vanishing network needs a Linux network namespace; this is {RuntimeInformation.OSDescription}.");
        }

        // The shell runs in the new namespace (unshare execs it) and says "up" only once its loopback is, then holds it.
        var start = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "--net", "--", "sh", "-c", "ip link set lo up && echo up && exec sleep infinity" })
        {
            start.ArgumentList.Add(argument);
        }

        Process holder;
        try
        {
            holder = Process.Start(start) ?? throw new InvalidOperationException("unshare did not start");
        }
        catch (Win32Exception exception)
        {
            throw new InvalidOperationException("A vanishing network needs `unshare` (util-linux) for a private network namespace; it was not found.", exception);
        }

        var network = new NetworkNamespace(holder);
        try
        {
            var line = await holder.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            if (line != "up")
            {
                await holder.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
                var error = (await holder.StandardError.ReadToEndAsync()).Trim();
                throw new InvalidOperationException(
                    $"Could not make a private network namespace with its loopback up (`unshare --net` needs root, `ip` needs iproute2): {error}");
            }

            network.EnsureNotOurOwn();
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>Brings the namespace's loopback up or down (<c>ip link set lo …</c> inside it).</summary>
    public async Task SetLoopbackAsync(bool up)
    {
        EnsureNotOurOwn();
        var result = await RunInsideAsync("ip", "link", "set", "lo", up ? "up" : "down");
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip link set lo {(up ? "up" : "down")} failed in the namespace: {result.Output}");
        }
    }

    /// <summary>Runs a command in the namespace and returns its exit code and output (stdout, then stderr).</summary>
    public async Task<(int ExitCode, string Output)> RunInsideAsync(params string[] command)
    {
        var start = new ProcessStartInfo(Launcher[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in Launcher.Skip(1).Concat(command))
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("nsenter did not start");
        }
        catch (Win32Exception exception)
        {
            throw new InvalidOperationException("A vanishing network needs `nsenter` (util-linux); it was not found.", exception);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            return (process.ExitCode, (await output) + (await error));
        }
    }

    /// <summary>A TCP connection made from inside the namespace (its socket belongs to it) to <paramref name="endpoint"/>.</summary>
    public async Task<Socket> ConnectAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        var socket = CreateSocketInside();
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        try
        {
            _holder.Kill();
            _holder.WaitForExit(TimeSpan.FromSeconds(30));
        }
        catch (InvalidOperationException)
        {
            // It had exited already.
        }

        _holder.Dispose();
    }

    /// <summary>
    /// A socket is bound to the namespace of the thread that creates it, and <c>setns</c> moves only the calling thread:
    /// a thread of its own, which ends right after, so nothing else ever runs in the namespace.
    /// </summary>
    private Socket CreateSocketInside()
    {
        Socket? socket = null;
        Exception? failure = null;
        var path = Path;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle(path);
                if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns into {path} failed with errno {Marshal.GetLastPInvokeError()} (it needs root).");
                }

                socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            }
            catch (Exception exception)
            {
                failure = exception;
            }
        });
        thread.Start();
        thread.Join();
        return socket ?? throw new InvalidOperationException($"Could not make a socket in the network namespace {path}.", failure);
    }

    /// <summary>The one guard before touching a loopback: the holder lives, and its namespace is not the test's own.</summary>
    private void EnsureNotOurOwn()
    {
        if (_holder.HasExited)
        {
            throw new InvalidOperationException($"The network namespace's holder exited with code {_holder.ExitCode}.");
        }

        if (new FileInfo(Path).LinkTarget is not { } namespaceId || namespaceId == new FileInfo(OwnNamespace).LinkTarget)
        {
            throw new InvalidOperationException($"{Path} is not a network namespace of its own.");
        }
    }

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNs(int fileDescriptor, int namespaceType);
}
