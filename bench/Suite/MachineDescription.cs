using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace WorkSessions.Bench.Suite;

/// <summary>What the figures were measured on: they mean little without it.</summary>
internal sealed record MachineDescription(string Cpu, int Cores, double MemoryGiB, string Os, string DotNet, string Commit, string Date, string LoadAverage)
{
    public string OneLine => $"{Cpu}, {Cores} cores, {MemoryGiB:N1} GiB; {Os}; {DotNet}; commit {Commit}; load {LoadAverage}";

    public static MachineDescription Collect()
    {
        var cpu = ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
        var memoryKiB = ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)) is { } line
            ? double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture)
            : GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1024.0;
        var os = ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?.Split('=', 2)[1].Trim('"') is { } pretty
            ? $"{pretty} ({RuntimeInformation.OSDescription})"
            : RuntimeInformation.OSDescription;
        var load = ReadLines("/proc/loadavg").FirstOrDefault() is { } loadLine ? string.Join(" ", loadLine.Split(' ').Take(3)) : "n/a";
        return new MachineDescription(cpu, Environment.ProcessorCount, memoryKiB / 1048576.0, os, RuntimeInformation.FrameworkDescription,
            CurrentCommit(), DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture), load);
    }

    private static string CurrentCommit()
    {
        try
        {
            var head = Git("rev-parse", "--short", "HEAD");
            var dirty = Git("status", "--porcelain", "--untracked-files=no").Length > 0 ? " (with uncommitted changes)" : "";
            return head + dirty;
        }
        catch (Exception exception) when (exception is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return "unknown (not a git checkout)";
        }
    }

    private static string Git(params string[] args)
    {
        var info = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException("git failed");
    }

    private static string[] ReadLines(string path) => File.Exists(path) ? File.ReadAllLines(path) : [];
}
