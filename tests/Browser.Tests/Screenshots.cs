namespace WorkSessions.Browser.Tests;

/// <summary>
/// Where screenshots go: the folder named by <c>WORKSESSIONS_ARTIFACTS</c> when set (test.sh sets it to
/// <c>artifacts/screenshots</c> in the repository), else <c>TestResults/screenshots</c> under the test's output folder.
/// </summary>
public static class Screenshots
{
    public const string Variable = "WORKSESSIONS_ARTIFACTS";

    public static string Directory { get; } = Create();

    /// <summary>The path of a PNG named <paramref name="name"/> (letters, digits and dashes) in <see cref="Directory"/>.</summary>
    public static string PathFor(string name) => Path.Combine(Directory, name + ".png");

    private static string Create()
    {
        var directory = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");
        System.IO.Directory.CreateDirectory(directory);
        return directory;
    }
}
