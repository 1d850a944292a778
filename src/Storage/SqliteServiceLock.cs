namespace WorkSessions.Storage;

/// <summary>
/// One silo per service on a SQLite file. SQLite mode clusters on localhost, so a second silo process with the
/// same service id on the same file would believe it is alone: both would own the whole reminder ring and
/// activate every grain. Each silo therefore holds an exclusive lock on <c>&lt;database&gt;.&lt;service id&gt;.lock</c>
/// for as long as it runs; the operating system releases it when the process ends, however it ends.
/// </summary>
/// <remarks>
/// Silos of different services on one file do not contend: their rows are keyed by service id, so they are
/// separate rings. The <c>migrate</c> command takes no lock of this kind (migrations serialise on a lock of their
/// own), so it can run next to a silo.
/// </remarks>
internal sealed class SqliteServiceLock : IDisposable
{
    private readonly FileStream _file;

    private SqliteServiceLock(FileStream file) => _file = file;

    /// <summary>The lock file.</summary>
    public string Path => _file.Name;

    /// <summary>Where the lock for <paramref name="serviceId"/> on <paramref name="sqliteFile"/> lives.</summary>
    /// <remarks>
    /// The service id is escaped as a URI data string: letters, digits and <c>-._~</c> stay as they are, anything
    /// else (a path separator, say) becomes <c>%XX</c>, so every service id names one file next to the database.
    /// </remarks>
    public static string PathFor(string sqliteFile, string serviceId) => $"{sqliteFile}.{Uri.EscapeDataString(serviceId)}.lock";

    /// <summary>Takes the lock, or fails at once when another silo of the service holds it.</summary>
    /// <param name="sqliteFile">The full path of the SQLite database.</param>
    /// <param name="serviceId">The silo's Orleans service id.</param>
    /// <exception cref="InvalidOperationException">When another process (or another silo in this one) holds the lock.</exception>
    public static SqliteServiceLock Acquire(string sqliteFile, string serviceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(sqliteFile);
        ArgumentException.ThrowIfNullOrEmpty(serviceId);

        // Never deleted: removing a lock file another process has just opened would let two silos in.
        var path = PathFor(sqliteFile, serviceId);
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock) on Unix, a sharing lock on Windows; both
            // belong to this open file, so they conflict within one process too and vanish with the process.
            return new SqliteServiceLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException exception) when (exception is not (DirectoryNotFoundException or PathTooLongException))
        {
            // No waiting: a silo that is still running will not let go, and an operator needs to know now.
            throw new StorageInUseException(
                $"Another silo with service id '{serviceId}' is already using {sqliteFile} (it holds {path}). "
                + "A SQLite database serves one silo per service: stop it, or use PostgreSQL (Storage:Provider=postgres) "
                + "to run several silos of one service.",
                exception);
        }
    }

    /// <summary>Releases the lock (the file stays, see <see cref="Acquire"/>).</summary>
    public void Dispose() => _file.Dispose();
}

/// <summary>
/// The silo cannot start because another silo of the same service already uses its SQLite database. Hosts report
/// its message and exit instead of crashing with a stack trace.
/// </summary>
public sealed class StorageInUseException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is in use, by whom, and what to do.</param>
    /// <param name="innerException">The file system's refusal.</param>
    public StorageInUseException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
