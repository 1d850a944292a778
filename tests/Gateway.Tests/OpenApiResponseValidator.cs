using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// Checks a response against an OpenAPI 3.1 document the way a validating proxy in front of the Gateway would: the
/// request's path and method name an operation, the operation declares the response's status and media type, and a
/// JSON body validates against the declared schema (JSON Schema 2020-12, <c>$ref</c>s into the components resolved).
/// Bodies that are not JSON (CSV, server-sent events) are checked for their status and media type only.
/// </summary>
public sealed class OpenApiResponseValidator
{
    private const string ApiPrefix = "/api/";
    private const string SchemasPointer = "#/components/schemas/";

    private readonly JsonObject _document;
    private readonly JsonObject _schemas;
    private readonly List<(Regex Pattern, int Parameters, string Template, JsonObject Item)> _paths = [];
    private readonly ConcurrentDictionary<string, JsonSchema> _compiled = new(StringComparer.Ordinal);

    private static long _validatedResponses;

    public OpenApiResponseValidator(string documentJson)
    {
        _document = JsonNode.Parse(documentJson)?.AsObject() ?? throw new ArgumentException("The OpenAPI document is empty.", nameof(documentJson));
        Version = (string?)_document["openapi"] ?? throw new ArgumentException("Not an OpenAPI document: no 'openapi' field.", nameof(documentJson));
        _schemas = _document["components"]?["schemas"]?.AsObject() ?? [];
        foreach (var (template, item) in _document["paths"]?.AsObject() ?? [])
        {
            var parameters = 0;
            var pattern = "^" + string.Concat(template.Split('/').Skip(1).Select(segment =>
            {
                if (segment.StartsWith('{') && segment.EndsWith('}'))
                {
                    parameters++;
                    return "/[^/]+";
                }

                return "/" + Regex.Escape(segment);
            })) + "/?$";
            _paths.Add((new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant), parameters, template, item!.AsObject()));
        }
    }

    /// <summary>The document's <c>openapi</c> version.</summary>
    public string Version { get; }

    /// <summary>Responses checked against an operation of a document, by every validator of this test run.</summary>
    public static long ValidatedResponses => Interlocked.Read(ref _validatedResponses);

    /// <summary>Whether a request to this path is the API's, and so must be described by the document.</summary>
    public static bool IsApiPath(string path) => path.StartsWith(ApiPrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>What in the response disagrees with the document; empty when it matches.</summary>
    /// <param name="method">The request's method.</param>
    /// <param name="path">The request's path, as sent (percent-encoded).</param>
    /// <param name="status">The response's status code.</param>
    /// <param name="contentType">The response's media type, or null without a body.</param>
    /// <param name="body">The response's body, or null when it is not read (not JSON).</param>
    /// <param name="headers">The names of the response's headers, to check those the document says are always there.</param>
    public IReadOnlyList<string> Check(string method, string path, int status, string? contentType, string? body, IReadOnlyCollection<string>? headers = null)
    {
        var match = _paths.Where(candidate => candidate.Pattern.IsMatch(path)).OrderBy(candidate => candidate.Parameters).FirstOrDefault();
        if (match.Item is null)
        {
            // No such route: the document cannot describe it, but the API still answers with a problem.
            return status == 404
                ? CheckProblem(status, contentType, body, method == "HEAD", "no operation matches the path")
                : [$"no path of the document matches {path}, and the answer is {status}, not a 404 problem"];
        }

        // A HEAD has no body whatever its headers say.
        var head = method.Equals("HEAD", StringComparison.OrdinalIgnoreCase);
        if (match.Item[method.ToLowerInvariant()] is not JsonObject operation)
        {
            return status == 405
                ? CheckProblem(status, contentType, body, head, $"{match.Template} has no {method}")
                : [$"{match.Template} declares no {method}, and the answer is {status}, not a 405 problem"];
        }

        Interlocked.Increment(ref _validatedResponses);
        var name = (string?)operation["operationId"] ?? $"{method} {match.Template}";
        var statusText = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var responses = operation["responses"]?.AsObject();
        var response = responses?[statusText] ?? responses?[$"{statusText[0]}XX"] ?? responses?["default"];
        if (response is null)
        {
            return [$"{name} does not declare status {status} (it declares {string.Join(", ", responses?.Select(entry => entry.Key) ?? [])})"];
        }

        response = Resolve(response);
        var missing = (response["headers"]?.AsObject() ?? [])
            .Where(header => header.Value is JsonObject declared && (bool?)Resolve(declared)["required"] == true)
            .Select(header => header.Key)
            .Where(name => headers is not null && !headers.Contains(name, StringComparer.OrdinalIgnoreCase))
            .ToList();
        if (missing.Count > 0)
        {
            return [$"{name} {status}: the document's required header {string.Join(", ", missing)} is missing"];
        }

        var content = response["content"]?.AsObject();
        if (contentType is null)
        {
            if (!string.IsNullOrEmpty(body) && !head)
            {
                return [$"{name} {status}: the response has a body but no Content-Type"];
            }

            return content is { Count: > 0 } && !head
                ? [$"{name} {status}: the document declares a body ({string.Join(", ", content.Select(entry => entry.Key))}), the response has none"]
                : [];
        }

        if (content is null || content.Count == 0)
        {
            return [$"{name} {status}: the response is {contentType}, but the document declares no body"];
        }

        var mediaType = content.FirstOrDefault(entry => MediaTypeMatches(entry.Key, contentType));
        if (mediaType.Value is null)
        {
            return [$"{name} {status}: the response is {contentType}, the document declares only {string.Join(", ", content.Select(entry => entry.Key))}"];
        }

        if (!IsJson(contentType) || head)
        {
            return [];
        }

        if (mediaType.Value["schema"] is not JsonNode schema)
        {
            return [$"{name} {status} {contentType}: the document gives no schema for the JSON body"];
        }

        return Validate($"{name} {status} {mediaType.Key}", schema, body);
    }

    /// <summary>A 404 or 405 for a path or method the document does not have: a problem like every other.</summary>
    private IReadOnlyList<string> CheckProblem(int status, string? contentType, string? body, bool head, string why)
    {
        Interlocked.Increment(ref _validatedResponses);
        if (contentType != "application/problem+json")
        {
            return [$"{status} ({why}): the response is {contentType ?? "empty"}, not application/problem+json"];
        }

        if (body is "" && head)
        {
            return [];
        }

        return _schemas.ContainsKey("ProblemDetails")
            ? Validate($"{status} ({why})", new JsonObject { ["$ref"] = SchemasPointer + "ProblemDetails" }, body)
            : [$"{status} ({why}): the document has no ProblemDetails schema"];
    }

    private IReadOnlyList<string> Validate(string what, JsonNode schema, string? body)
    {
        JsonDocument instance;
        try
        {
            instance = JsonDocument.Parse(body ?? "");
        }
        catch (JsonException exception)
        {
            return [$"{what}: the body is not JSON ({exception.Message})"];
        }

        using (instance)
        {
            var compiled = _compiled.GetOrAdd(schema.ToJsonString(), _ => Compile(schema));
            var results = compiled.Evaluate(instance.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.Hierarchical });
            if (results.IsValid)
            {
                return [];
            }

            var errors = new List<string>();
            CollectErrors(what, results, errors);
            return errors.Count > 0 ? errors : [$"{what}: the body does not match the schema"];
        }
    }

    /// <summary>
    /// The errors of the failing nodes only: the branches of a <c>oneOf</c> that passed as a whole, which fail by
    /// design, say nothing about the response.
    /// </summary>
    private static void CollectErrors(string what, EvaluationResults node, List<string> errors)
    {
        if (node.IsValid)
        {
            return;
        }

        foreach (var (keyword, message) in node.Errors ?? new Dictionary<string, string>())
        {
            errors.Add($"{what}: at '{node.InstanceLocation}' ({node.EvaluationPath}, {keyword}): {message}");
        }

        foreach (var child in node.Details ?? [])
        {
            CollectErrors(what, child, errors);
        }
    }

    /// <summary>
    /// The schema as a standalone JSON Schema 2020-12 document: the components become its <c>$defs</c>, so every
    /// <c>$ref</c> resolves inside it.
    /// </summary>
    private JsonSchema Compile(JsonNode schema)
    {
        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$defs"] = RewriteReferences(_schemas.DeepClone()),
            ["allOf"] = new JsonArray(RewriteReferences(schema.DeepClone())),
        };
        using var text = JsonDocument.Parse(root.ToJsonString());
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        return JsonSchema.Build(text.RootElement.Clone(), options, new Uri($"https://openapi.test/{Guid.NewGuid():N}"));
    }

    private static JsonNode RewriteReferences(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    if (key == "$ref" && value is JsonValue reference && ((string?)reference)?.StartsWith(SchemasPointer, StringComparison.Ordinal) == true)
                    {
                        obj[key] = "#/$defs/" + ((string)reference!)[SchemasPointer.Length..];
                    }
                    else if (value is not null)
                    {
                        RewriteReferences(value);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    if (item is not null)
                    {
                        RewriteReferences(item);
                    }
                }

                break;
        }

        return node;
    }

    private JsonObject Resolve(JsonNode node)
    {
        var seen = 0;
        while (node is JsonObject { } obj && (string?)obj["$ref"] is { } reference && reference.StartsWith("#/", StringComparison.Ordinal) && seen++ < 10)
        {
            node = reference[2..].Split('/').Select(part => part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))
                .Aggregate((JsonNode?)_document, (current, part) => current?[part])
                ?? throw new InvalidOperationException($"The document's {reference} does not resolve.");
        }

        return node.AsObject();
    }

    private static bool MediaTypeMatches(string declared, string actual)
    {
        if (declared == "*/*" || string.Equals(declared, actual, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return declared.EndsWith("/*", StringComparison.Ordinal) && actual.StartsWith(declared[..^1], StringComparison.OrdinalIgnoreCase);
    }

    public static bool IsJson(string? mediaType) =>
        mediaType is not null && (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
}

/// <summary>A response that does not match the OpenAPI document; fails the test that made the request.</summary>
public sealed class OpenApiContractViolationException(string message) : Exception(message);

/// <summary>
/// Sits in front of the tests' HTTP client and checks every response to an <c>/api/</c> path against the OpenAPI
/// document the same Gateway serves (fetched once, on the first request). A mismatch throws
/// <see cref="OpenApiContractViolationException"/> out of the request, so the test that made it fails with the
/// operation, status and schema errors. Other paths (the console, the reference page, health, metrics) are not part
/// of the API's contract.
/// </summary>
public sealed class OpenApiValidatingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    public const string DocumentPath = "/openapi/v1.json";

    private readonly SemaphoreSlim _loading = new(1, 1);
    private OpenApiResponseValidator? _validator;

    /// <summary>The validator of the served document, once a request has loaded it.</summary>
    public OpenApiResponseValidator? Validator => _validator;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // HttpClient has made the address absolute by now.
        var path = request.RequestUri!.AbsolutePath;
        if (!OpenApiResponseValidator.IsApiPath(path))
        {
            return await base.SendAsync(request, cancellationToken);
        }

        var validator = await LoadAsync(request.RequestUri, cancellationToken);
        var response = await base.SendAsync(request, cancellationToken);
        var contentType = response.Content.Headers.ContentType?.MediaType;
        string? body = null;
        if (OpenApiResponseValidator.IsJson(contentType) || contentType is null)
        {
            // Buffered, so the test still reads the body after the check.
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            body = await response.Content.ReadAsStringAsync(cancellationToken);
        }

        var headers = response.Headers.Concat(response.Content.Headers).Select(header => header.Key).ToList();
        var errors = validator.Check(request.Method.Method, path, (int)response.StatusCode, contentType, body, headers);
        if (errors.Count > 0)
        {
            var message = new StringBuilder()
                .Append("The response to ").Append(request.Method).Append(' ').Append(request.RequestUri.PathAndQuery)
                .Append(" does not match the served OpenAPI document (").Append(validator.Version).AppendLine("):");
            foreach (var error in errors)
            {
                message.Append("  - ").AppendLine(error);
            }

            message.Append("  body: ").Append(body is { Length: > 2000 } ? body[..2000] + "…" : body ?? $"({contentType}, not read)");
            response.Dispose();
            throw new OpenApiContractViolationException(message.ToString());
        }

        return response;
    }

    private async Task<OpenApiResponseValidator> LoadAsync(Uri requestUri, CancellationToken cancellationToken)
    {
        if (_validator is { } loaded)
        {
            return loaded;
        }

        await _loading.WaitAsync(cancellationToken);
        try
        {
            if (_validator is null)
            {
                using var documentRequest = new HttpRequestMessage(HttpMethod.Get, new Uri(requestUri, DocumentPath));
                using var response = await base.SendAsync(documentRequest, cancellationToken);
                response.EnsureSuccessStatusCode();
                _validator = new OpenApiResponseValidator(await response.Content.ReadAsStringAsync(cancellationToken));
            }

            return _validator;
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>A client of a Gateway whose every API response is checked against the document it serves.</summary>
    public static HttpClient CreateClient(Uri baseAddress)
    {
        var sockets = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, UseProxy = false, ResponseDrainTimeout = TimeSpan.Zero };
        return new HttpClient(new OpenApiValidatingHandler(sockets)) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }
}
