using System.Reflection;

namespace WorkSessions.Faults.Tests.Infrastructure;

/// <summary>Paths in the repository this test runs from.</summary>
internal static class Repository
{
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

    /// <summary>The build output of a product project in this test's configuration.</summary>
    public static string Output(string project, string assembly)
    {
        var configuration = typeof(Repository).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var path = Path.Combine(Root, "src", project, "bin", configuration, "net10.0", assembly);
        return File.Exists(path) ? path : throw new InvalidOperationException($"{path} does not exist; build the solution in {configuration}.");
    }
}
