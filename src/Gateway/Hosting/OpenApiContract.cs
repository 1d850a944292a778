using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using WorkSessions.Contracts;
using WorkSessions.Gateway.Errors;

namespace WorkSessions.Gateway.Hosting;

/// <summary>
/// What the generated OpenAPI document cannot know by itself: the bearer scheme and which operations need it; the
/// problem responses of each operation with their codes (its own and those every request of its kind can get) and
/// the problem schema with its <c>code</c>; enums as their exact wire names (the strict converter hides them from the
/// generator); tag descriptions and the licence. Kept lint-clean (Redocly's recommended rules), and every response
/// the Gateway's tests see is checked against it (tests/Gateway.Tests/OpenApiResponseValidator.cs).
/// </summary>
internal static class OpenApiContract
{
    public const string BearerScheme = "bearer";

    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Agent"] = "The calling agent's own work session, status and event stream (role agent).",
        ["Supervisor"] = "Live roster and forced ends for the caller's tenant (role supervisor or admin).",
        ["Admin"] = "The tenant's work-session preferences and their history (role admin).",
        ["Development"] = "Development only: tokens for the console's sign-in (absent in every other environment).",
        ["Reports"] = "Session, timecard, status-history and concurrency reports with CSV exports, and the tenant's event feed (role supervisor or admin).",
    };

    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Work Sessions API";
            document.Info.Description = "Agent work sessions, inactivity prompts, supervisor controls, tenant preferences, reports and the tenant event feed.";
            document.Info.License = new OpenApiLicense { Name = "Proprietary", Identifier = "LicenseRef-Proprietary" };
            foreach (var server in document.Servers ?? [])
            {
                server.Url = server.Url?.TrimEnd('/');
            }

            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A JWT with the claims sub, tenant and role (agent, supervisor, admin).",
            };
            document.Tags = new HashSet<OpenApiTag>(TagDescriptions.Select(tag => new OpenApiTag { Name = tag.Key, Description = tag.Value }));
            return Task.CompletedTask;
        });

        // Enums are written by StrictEnumConverter, which the schema generator does not know: it would leave them
        // empty ({}), so generated clients would send and read objects. Their schema is the exact wire names.
        options.AddSchemaTransformer((schema, context, _) =>
        {
            // One component per enum, shared by its nullable uses: the generator wraps those in a oneOf with null.
            var enumType = Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) ?? context.JsonTypeInfo.Type;
            if (enumType.IsEnum)
            {
                schema.Type = JsonSchemaType.String;
                schema.Enum = [.. StrictEnumConverter.WireNames(enumType).Select(name => (JsonNode)JsonValue.Create(name))];
            }

            return Task.CompletedTask;
        });

        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
            document.Components.Schemas[ProblemSchema] = ProblemDetailsSchema();
            return Task.CompletedTask;
        });

        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            operation.Responses ??= new OpenApiResponses();
            foreach (var alternative in metadata.OfType<AlternativeContent>())
            {
                if (operation.Responses.TryGetValue("200", out var ok) && ok is OpenApiResponse response)
                {
                    response.Content ??= new Dictionary<string, OpenApiMediaType>();
                    response.Content[alternative.ContentType] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
                }
            }

            var authorized = metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();
            if (metadata.OfType<IAllowAnonymous>().Any())
            {
                // Declared open (the Development token route) rather than left undefined.
                operation.Security = [];
            }
            else if (authorized)
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
            }

            AddProblems(operation, ProblemCodesOf(context.Description, metadata, authorized));
            return Task.CompletedTask;
        });
    }

    private const string ProblemSchema = "ProblemDetails";

    /// <summary>The extension of a problem response that lists its codes.</summary>
    public const string ProblemCodesExtension = "x-problem-codes";

    /// <summary>
    /// Every code an operation can answer: its own (<see cref="ProblemCodes"/>) and those of its kind. Any request can be
    /// malformed and any can meet a failure or an unavailable cluster; a token names a tenant and user that must be valid
    /// ids and maps to a role or none; a write can be rate-limited and race another; a body can be too large or not JSON.
    /// </summary>
    private static List<string> ProblemCodesOf(ApiDescription description, IList<object> metadata, bool authorized)
    {
        var codes = new List<string> { Problems.InvalidRequest };
        var write = description.HttpMethod is not null && !HttpMethods.IsGet(description.HttpMethod) && !HttpMethods.IsHead(description.HttpMethod);
        if (authorized)
        {
            codes.AddRange([ErrorCodes.InvalidId, Problems.Unauthorized, Problems.Forbidden, Problems.NoRole]);
            if (write)
            {
                codes.AddRange([Problems.RateLimited, Problems.ConcurrentUpdate]);
            }
        }

        codes.AddRange(metadata.OfType<ProblemCodes>().SelectMany(declared => declared.Codes));
        if (description.ParameterDescriptions.Any(parameter => parameter.Source == BindingSource.Body))
        {
            codes.AddRange([Problems.PayloadTooLarge, Problems.UnsupportedMediaType]);
        }

        codes.AddRange([Problems.InternalError, Problems.ServiceUnavailable]);
        return [.. codes.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>One problem response per status, naming its codes; 429 and 503 with their <c>Retry-After</c>.</summary>
    private static void AddProblems(OpenApiOperation operation, IEnumerable<string> codes)
    {
        foreach (var group in codes.GroupBy(Problems.StatusFor).OrderBy(group => group.Key))
        {
            var status = group.Key.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var response = new OpenApiResponse
            {
                Description = $"{(group.Count() == 1 ? "A problem" : "Problems")} with code {string.Join(", ", group)}: {string.Join("; ", group.Select(code => Problems.For(code).Title.ToLowerInvariant()))}.",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(ProblemSchema) },
                },
                // The same codes for programs: clients and the tests that provoke each one.
                Extensions = new Dictionary<string, IOpenApiExtension>
                {
                    [ProblemCodesExtension] = new JsonNodeExtension(new JsonArray([.. group.Select(code => (JsonNode)JsonValue.Create(code))])),
                },
            };
            if (group.Key is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable)
            {
                response.Headers = new Dictionary<string, IOpenApiHeader>
                {
                    ["Retry-After"] = new OpenApiHeader
                    {
                        Description = "Seconds to wait before retrying.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
                    },
                };
            }

            operation.Responses![status] = response;
        }
    }

    /// <summary>
    /// RFC 9457 problem details as the Gateway writes them: always a stable <c>code</c> and the <c>traceId</c> of the
    /// request. Open to more members, as RFC 9457 allows, so a client keeps working when one is added.
    /// </summary>
    private static OpenApiSchema ProblemDetailsSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "RFC 9457 problem details with the API's stable code.",
        Required = new HashSet<string>(StringComparer.Ordinal) { "status", "title", "code" },
        Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A URI reference for the HTTP status." },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A short, fixed summary of the code, for people." },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Description = "The HTTP status." },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What went wrong this time, for people." },
            ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A URI reference for this occurrence." },
            ["code"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Description = $"The stable code clients act on, one of: {string.Join(", ", Problems.Table.Keys)}. New codes may be added.",
            },
            ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request's trace id, for support." },
        },
    };
}

/// <summary>
/// Another body an endpoint's 200 can have besides its JSON (a CSV export, an event stream), chosen by a query parameter
/// or the <c>Accept</c> header; the document lists it next to the JSON body.
/// </summary>
/// <param name="ContentType">The media type.</param>
internal sealed record AlternativeContent(string ContentType);
