namespace WorkSessions.Hosting;

/// <summary>The command-line arguments a Work Sessions process builds its host with.</summary>
public static class HostArguments
{
    /// <summary>The host setting that decides whether configuration files are watched for changes.</summary>
    public const string ReloadConfigOnChange = "hostBuilder:reloadConfigOnChange";

    /// <summary>
    /// The arguments with configuration files read once, at start. Watching them means watching the whole content root,
    /// subfolders included, and the default SQLite file lives in <c>./data</c> under it: every write to the database
    /// (and its WAL) woke the watcher, which cost about 8% of the CPU of a burst of session starts
    /// (docs/architecture.md#configuration). An explicit <c>--hostBuilder:reloadConfigOnChange=true</c> still wins.
    /// </summary>
    /// <param name="args">The process's arguments.</param>
    /// <returns>A new array: the setting first, then <paramref name="args"/>.</returns>
    public static string[] WithConfigurationReadOnce(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return [$"--{ReloadConfigOnChange}=false", .. args];
    }
}
