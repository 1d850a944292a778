using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using WorkSessions.Hosting;

namespace WorkSessions.Storage.Tests;

/// <summary>
/// <c>Orleans:DirectoryCacheSize</c>: Orleans allocates its grain-directory caches' tables for a million entries up
/// front (about 18 MiB of managed heap in a silo), which a single SQLite silo never consults; a cluster keeps
/// Orleans' size unless the operator sets one.
/// </summary>
public sealed class DirectoryCacheSettingTests
{
    [Fact]
    public void Sqlite_OneSilo_KeepsASmallCache()
    {
        Assert.Equal(WorkSessionsClusterExtensions.OrleansEndpoint.OneSiloDirectoryCacheSize, CacheSizeOfASilo());
    }

    [Fact]
    public void Postgres_Cluster_KeepsOrleansDefault()
    {
        var size = CacheSizeOfASilo(("Storage:Provider", "postgres"), ("Storage:ConnectionString", "Host=127.0.0.1;Database=ws"));

        Assert.Equal(GrainDirectoryOptions.DEFAULT_CACHE_SIZE, size);
    }

    [Theory]
    [InlineData("sqlite", "Data Source=./data/ws.db")]
    [InlineData("postgres", "Host=127.0.0.1;Database=ws")]
    public void TheSetting_IsUsedWithEitherStorage(string provider, string connectionString)
    {
        var size = CacheSizeOfASilo(("Storage:Provider", provider), ("Storage:ConnectionString", connectionString), ("Orleans:DirectoryCacheSize", "250000"));

        Assert.Equal(250_000, size);
    }

    [Theory]
    [InlineData("many")]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("999")]
    [InlineData("1e6")]
    public void UnusableSizes_AreRejected_NamingTheKeyAndTheLeast(string value)
    {
        var exception = Assert.Throws<OptionsValidationException>(() => CacheSizeOfASilo(("Orleans:DirectoryCacheSize", value)));

        Assert.Contains("Orleans:DirectoryCacheSize", exception.Message, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("1,000", exception.Message, StringComparison.Ordinal);
    }

    /// <summary>The <see cref="GrainDirectoryOptions.CacheSize"/> a silo configured as the product's hosts do would use.</summary>
    private static int CacheSizeOfASilo(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(setting => new KeyValuePair<string, string?>(setting.Key, setting.Value)))
            .Build();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleans(silo => silo.UseWorkSessionsCluster(configuration));
        using var host = builder.Build();
        return host.Services.GetRequiredService<IOptions<GrainDirectoryOptions>>().Value.CacheSize;
    }
}
