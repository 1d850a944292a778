using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace WorkSessions.Gateway.Hosting;

/// <summary>
/// What the generated OpenAPI document cannot know by itself: the bearer scheme and which operations need it, the
/// problem responses every authenticated or state-changing call can get, tag descriptions and the licence. Kept
/// lint-clean (Redocly's recommended rules) by a test.
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

        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            foreach (var alternative in metadata.OfType<AlternativeContent>())
            {
                operation.Responses ??= new OpenApiResponses();
                if (operation.Responses.TryGetValue("200", out var ok) && ok is OpenApiResponse response)
                {
                    response.Content ??= new Dictionary<string, OpenApiMediaType>();
                    response.Content[alternative.ContentType] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
                }
            }

            if (metadata.OfType<IAllowAnonymous>().Any())
            {
                // Declared open (the Development token route) rather than left undefined.
                operation.Security = [];
                return Task.CompletedTask;
            }

            if (!metadata.OfType<IAuthorizeData>().Any())
            {
                return Task.CompletedTask;
            }

            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
            operation.Responses ??= new OpenApiResponses();
            AddProblem(operation, "401", "No valid bearer token (code unauthorized).");
            AddProblem(operation, "403", "The token's role does not allow this (code forbidden).");
            AddProblem(operation, "429", "Too many requests from this user (code rate_limited); see Retry-After.");
            return Task.CompletedTask;
        });
    }

    private static void AddProblem(OpenApiOperation operation, string status, string description)
    {
        if (operation.Responses!.ContainsKey(status))
        {
            return;
        }

        operation.Responses[status] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference("ProblemDetails") },
            },
        };
    }
}

/// <summary>
/// Another body an endpoint's 200 can have besides its JSON (a CSV export, an event stream), chosen by a query parameter
/// or the <c>Accept</c> header; the document lists it next to the JSON body.
/// </summary>
/// <param name="ContentType">The media type.</param>
internal sealed record AlternativeContent(string ContentType);
