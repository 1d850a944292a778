using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WorkSessions.Gateway.Tests;

/// <summary>One span as it arrived: ids in lower-case hex, the empty string for a root span's parent.</summary>
public sealed record ReceivedSpan(string Service, string Scope, string TraceId, string SpanId, string ParentSpanId, string Name, int Kind, IReadOnlyDictionary<string, string> Attributes)
{
    public const int ServerKind = 2;
}

/// <summary>One log record as it arrived.</summary>
public sealed record ReceivedLog(string Service, string Scope, string Severity, string Body, string TraceId);

/// <summary>
/// A small OTLP/HTTP receiver on a loopback port: <c>POST /v1/traces</c>, <c>/v1/metrics</c> and <c>/v1/logs</c> with
/// protobuf bodies (the exporter's <c>http/protobuf</c>), decoded by <see cref="Protobuf"/> into spans, metric names
/// and log records, field numbers as the OTLP specification's .proto files give them. It answers 200 with an empty
/// export response, as a collector does.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<ReceivedSpan> Spans { get; } = new();

    public ConcurrentQueue<(string Service, string Name)> Metrics { get; } = new();

    public ConcurrentQueue<ReceivedLog> Logs { get; } = new();

    /// <summary>Bodies that could not be decoded, with the reason: a test fails on any.</summary>
    public ConcurrentQueue<string> Failures { get; } = new();

    /// <summary>The base address, for <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public Uri Endpoint { get; private set; } = null!;

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/traces", context => receiver.ReceiveAsync(context, receiver.DecodeTraces));
        app.MapPost("/v1/metrics", context => receiver.ReceiveAsync(context, receiver.DecodeMetrics));
        app.MapPost("/v1/logs", context => receiver.ReceiveAsync(context, receiver.DecodeLogs));
        await app.StartAsync();
        receiver.Endpoint = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task ReceiveAsync(HttpContext context, Action<ReadOnlyMemory<byte>> decode)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        try
        {
            if (context.Request.ContentType != "application/x-protobuf")
            {
                throw new InvalidDataException($"content type {context.Request.ContentType}");
            }

            decode(body.ToArray());
        }
        catch (Exception exception) when (exception is InvalidDataException or ArgumentOutOfRangeException)
        {
            Failures.Enqueue($"{context.Request.Path}: {exception.Message}");
        }

        context.Response.ContentType = "application/x-protobuf";
    }

    // ExportTraceServiceRequest: 1 resource_spans { 1 resource, 2 scope_spans { 1 scope, 2 spans } }.
    private void DecodeTraces(ReadOnlyMemory<byte> request)
    {
        foreach (var resourceSpans in Protobuf.Messages(request, 1))
        {
            var service = ServiceName(resourceSpans);
            foreach (var scopeSpans in Protobuf.Messages(resourceSpans, 2))
            {
                var scope = ScopeName(scopeSpans);
                foreach (var span in Protobuf.Messages(scopeSpans, 2))
                {
                    var fields = Protobuf.Fields(span).ToList();
                    Spans.Enqueue(new ReceivedSpan(
                        service,
                        scope,
                        Hex(fields, 1),
                        Hex(fields, 2),
                        Hex(fields, 4),
                        Text(fields, 5),
                        (int)(fields.FirstOrDefault(field => field.Number == 6).Varint),
                        Attributes(span, 9)));
                }
            }
        }
    }

    // ExportMetricsServiceRequest: 1 resource_metrics { 1 resource, 2 scope_metrics { 1 scope, 2 metrics { 1 name } } }.
    private void DecodeMetrics(ReadOnlyMemory<byte> request)
    {
        foreach (var resourceMetrics in Protobuf.Messages(request, 1))
        {
            var service = ServiceName(resourceMetrics);
            foreach (var scopeMetrics in Protobuf.Messages(resourceMetrics, 2))
            {
                foreach (var metric in Protobuf.Messages(scopeMetrics, 2))
                {
                    Metrics.Enqueue((service, Text(Protobuf.Fields(metric).ToList(), 1)));
                }
            }
        }
    }

    // ExportLogsServiceRequest: 1 resource_logs { 1 resource, 2 scope_logs { 1 scope, 2 log_records { 3 severity_text, 5 body, 9 trace_id } } }.
    private void DecodeLogs(ReadOnlyMemory<byte> request)
    {
        foreach (var resourceLogs in Protobuf.Messages(request, 1))
        {
            var service = ServiceName(resourceLogs);
            foreach (var scopeLogs in Protobuf.Messages(resourceLogs, 2))
            {
                var scope = ScopeName(scopeLogs);
                foreach (var record in Protobuf.Messages(scopeLogs, 2))
                {
                    var fields = Protobuf.Fields(record).ToList();
                    var body = fields.Where(field => field.Number == 5).Select(field => AnyValue(field.Bytes)).FirstOrDefault() ?? "";
                    Logs.Enqueue(new ReceivedLog(service, scope, Text(fields, 3), body, Hex(fields, 9)));
                }
            }
        }
    }

    // Resource: 1 attributes (KeyValue).
    private static string ServiceName(ReadOnlyMemory<byte> resourceSignal) =>
        Protobuf.Messages(resourceSignal, 1).Select(resource => Attributes(resource, 1).GetValueOrDefault("service.name")).FirstOrDefault(name => name is not null) ?? "";

    // InstrumentationScope: 1 name.
    private static string ScopeName(ReadOnlyMemory<byte> scopeSignal) =>
        Protobuf.Messages(scopeSignal, 1).Select(scope => Text(Protobuf.Fields(scope).ToList(), 1)).FirstOrDefault() ?? "";

    // KeyValue: 1 key, 2 value (AnyValue).
    private static Dictionary<string, string> Attributes(ReadOnlyMemory<byte> message, int field)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var keyValue in Protobuf.Messages(message, field))
        {
            var fields = Protobuf.Fields(keyValue).ToList();
            attributes[Text(fields, 1)] = fields.Where(f => f.Number == 2).Select(f => AnyValue(f.Bytes)).FirstOrDefault() ?? "";
        }

        return attributes;
    }

    // AnyValue: 1 string, 2 bool, 3 int, 4 double; others as their kind.
    private static string AnyValue(ReadOnlyMemory<byte> value)
    {
        foreach (var field in Protobuf.Fields(value))
        {
            return field.Number switch
            {
                1 => Encoding.UTF8.GetString(field.Bytes.Span),
                2 => field.Varint != 0 ? "true" : "false",
                3 => ((long)field.Varint).ToString(System.Globalization.CultureInfo.InvariantCulture),
                4 => BitConverter.Int64BitsToDouble((long)field.Varint).ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => $"(field {field.Number})",
            };
        }

        return "";
    }

    private static string Text(List<Protobuf.Field> fields, int number) =>
        fields.Where(field => field.Number == number).Select(field => Encoding.UTF8.GetString(field.Bytes.Span)).FirstOrDefault() ?? "";

    private static string Hex(List<Protobuf.Field> fields, int number) =>
        fields.Where(field => field.Number == number).Select(field => Convert.ToHexStringLower(field.Bytes.Span)).FirstOrDefault() ?? "";
}

/// <summary>
/// The protobuf wire format, read field by field: enough to walk OTLP messages without generated classes.
/// </summary>
public static class Protobuf
{
    /// <summary>One field: its number and, by wire type, its varint or fixed value, or its bytes.</summary>
    public readonly record struct Field(int Number, int WireType, ulong Varint, ReadOnlyMemory<byte> Bytes);

    /// <summary>The fields of a message in order.</summary>
    /// <exception cref="InvalidDataException">A truncated message or an unknown wire type.</exception>
    public static IEnumerable<Field> Fields(ReadOnlyMemory<byte> message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var key = ReadVarint(message.Span, ref position);
            var number = (int)(key >> 3);
            var wireType = (int)(key & 7);
            switch (wireType)
            {
                case 0:
                    yield return new Field(number, wireType, ReadVarint(message.Span, ref position), default);
                    break;
                case 1:
                    yield return new Field(number, wireType, BitConverter.ToUInt64(Take(message, ref position, 8).Span), default);
                    break;
                case 2:
                    var length = checked((int)ReadVarint(message.Span, ref position));
                    yield return new Field(number, wireType, 0, Take(message, ref position, length));
                    break;
                case 5:
                    yield return new Field(number, wireType, BitConverter.ToUInt32(Take(message, ref position, 4).Span), default);
                    break;
                default:
                    throw new InvalidDataException($"wire type {wireType} of field {number}");
            }
        }
    }

    /// <summary>The embedded messages under field <paramref name="number"/>.</summary>
    public static IEnumerable<ReadOnlyMemory<byte>> Messages(ReadOnlyMemory<byte> message, int number) =>
        Fields(message).Where(field => field.Number == number && field.WireType == 2).Select(field => field.Bytes);

    private static ReadOnlyMemory<byte> Take(ReadOnlyMemory<byte> message, ref int position, int length)
    {
        if (length < 0 || position + length > message.Length)
        {
            throw new InvalidDataException("truncated message");
        }

        var slice = message.Slice(position, length);
        position += length;
        return slice;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> bytes, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= bytes.Length)
            {
                throw new InvalidDataException("truncated varint");
            }

            var next = bytes[position++];
            value |= (ulong)(next & 0x7F) << shift;
            if ((next & 0x80) == 0)
            {
                return value;
            }
        }

        throw new InvalidDataException("varint longer than 10 bytes");
    }
}
