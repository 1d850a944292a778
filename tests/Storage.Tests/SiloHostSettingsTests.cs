using System.Text.Json.Nodes;
using WorkSessions.TestSupport;

namespace WorkSessions.Storage.Tests;

/// <summary>The runtime settings the Silo host is built with, read from its build output's runtimeconfig.json.</summary>
public sealed class SiloHostSettingsTests
{
    [Fact]
    public void SiloHost_RunsTheServerAndConcurrentGarbageCollector()
    {
        // Orleans' guidance for silos, and the Gateway's default as a Web SDK project: with the workstation collector a
        // silo of 500,000 sessions spent a fifth of its time paused (bench/HISTORY.md, 2026-12-03, "toward a million").
        var runtimeConfig = Path.ChangeExtension(SiloProcess.SiloAssemblyPath(), ".runtimeconfig.json");
        var properties = JsonNode.Parse(File.ReadAllText(runtimeConfig))?["runtimeOptions"]?["configProperties"];

        Assert.True(properties?["System.GC.Server"]?.GetValue<bool>(), $"{runtimeConfig} does not ask for the server collector.");
        Assert.True(properties?["System.GC.Concurrent"]?.GetValue<bool>(), $"{runtimeConfig} does not ask for the concurrent collector.");
    }
}
