using System.Reflection;

namespace WorkSessions.TestSupport;

/// <summary>Paths in the repository the tests were built from: its root and the product's build output.</summary>
public static class RepositoryPaths
{
    /// <summary>The folder holding <c>Orleans.sln</c>, above the running test's build output.</summary>
    public static string Root
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Orleans.sln")))
            {
                directory = directory.Parent;
            }

            return directory?.FullName ?? throw new InvalidOperationException($"No Orleans.sln above {AppContext.BaseDirectory}.");
        }
    }

    /// <summary>
    /// The build output of the product project <c>src/{project}</c> in the tests' configuration, e.g.
    /// <c>src/Silo/bin/Release/net10.0/WorkSessions.Silo.dll</c>. The test project builds it through a project reference.
    /// </summary>
    public static string ProductAssembly(string project, string assembly)
    {
        var configuration = typeof(RepositoryPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var path = Path.Combine(Root, "src", project, "bin", configuration, "net10.0", assembly);
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{path} does not exist; build src/{project} in {configuration} (a project reference of the test project does).");
    }
}
