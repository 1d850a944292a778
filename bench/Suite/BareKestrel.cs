using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace WorkSessions.Bench.Suite;

/// <summary>
/// The HTTP baseline: a bare ASP.NET Core app (the default builder, as a new project has) answering 204 to any GET or
/// POST of <c>/</c>, on loopback. Run as a process of its own, like the Gateway.
/// </summary>
internal static class BareKestrel
{
    public static async Task<int> RunAsync(SuiteArguments arguments)
    {
        var port = arguments.Int("--port", 5099);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        var app = builder.Build();
        app.MapMethods("/", ["GET", "POST"], () => Results.NoContent());
        await app.RunAsync();
        return 0;
    }
}
