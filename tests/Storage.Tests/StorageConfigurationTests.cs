using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace WorkSessions.Storage.Tests;

/// <summary>A configuration the storage cannot work with stops the process at start, saying what to change.</summary>
public sealed class StorageConfigurationTests
{
    [Fact]
    public void NoStorageSection_MeansSqlite()
    {
        var options = StorageOptions.FromConfiguration(Configuration());

        Assert.Equal(StorageProvider.Sqlite, options.Kind);
        Assert.Null(options.ConnectionString);
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("Postgres")]
    [InlineData(" POSTGRES ")]
    public void ProviderNames_AreCaseInsensitive(string provider)
    {
        var options = StorageOptions.FromConfiguration(Configuration(("Storage:Provider", provider), ("Storage:ConnectionString", "Host=127.0.0.1;Database=ws")));

        Assert.Equal(StorageProvider.Postgres, options.Kind);
    }

    [Fact]
    public void ReportingConnectionString_IsOptional_AndTakesTheStorageProvider()
    {
        var configuration = Configuration(("Storage:Provider", "postgres"), ("Storage:ConnectionString", "Host=127.0.0.1;Database=ws"));
        var storage = StorageOptions.FromConfiguration(configuration);
        Assert.Null(ReportDatabase.SeparateOptions(configuration, storage));

        var separate = ReportDatabase.SeparateOptions(
            Configuration(("Storage:Provider", "postgres"), ("Reporting:ConnectionString", "Host=127.0.0.1;Database=reports")), storage);

        Assert.Equal((StorageProvider.Postgres, "Host=127.0.0.1;Database=reports"), (separate!.Kind, separate.ConnectionString));
    }

    [Fact]
    public void UnusableReportingConnectionString_IsRejected_NamingTheKey()
    {
        var storage = StorageOptions.FromConfiguration(Configuration());

        var exception = Assert.Throws<OptionsValidationException>(
            () => ReportDatabase.SeparateOptions(Configuration(("Reporting:ConnectionString", "Data Source=:memory:")), storage));

        Assert.Contains("Reporting:ConnectionString", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownProvider_IsRejected_NamingTheChoices()
    {
        var exception = Assert.Throws<OptionsValidationException>(() => StorageOptions.FromConfiguration(Configuration(("Storage:Provider", "mysql"))));

        Assert.Contains("'mysql'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("'sqlite'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("'postgres'", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Postgres_WithoutConnectionString_IsRejected()
    {
        var exception = Assert.Throws<OptionsValidationException>(() => StorageOptions.FromConfiguration(Configuration(("Storage:Provider", "postgres"))));

        Assert.Contains("Storage:ConnectionString", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Data Source=:memory:")]
    [InlineData("Data Source=work-sessions;Mode=Memory")]
    [InlineData("Data Source=./data/work-sessions.db;Mode=ReadOnly")]
    [InlineData("Server=nowhere")]
    public void UnusableSqliteConnectionStrings_AreRejected(string connectionString)
    {
        Assert.Throws<OptionsValidationException>(() => StorageOptions.FromConfiguration(Configuration(("Storage:ConnectionString", connectionString))));
    }

    [Fact]
    public void Silo_WithUnknownProvider_FailsWhileBeingConfigured()
    {
        var configuration = Configuration(("Storage:Provider", "oracle"));
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });

        var exception = Assert.Throws<OptionsValidationException>(() => builder.UseOrleans(silo => silo.AddWorkSessionsStorage(configuration)));

        Assert.Contains("'oracle'", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PureClient_OnSqlite_IsRefused()
    {
        var configuration = Configuration(("Storage:Provider", "sqlite"));
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });

        var exception = Assert.Throws<OptionsValidationException>(() => builder.UseOrleansClient(client => client.AddWorkSessionsStorage(configuration)));

        Assert.Contains("Storage:Provider to 'postgres'", exception.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(setting => new KeyValuePair<string, string?>(setting.Key, setting.Value)))
            .Build();
}
