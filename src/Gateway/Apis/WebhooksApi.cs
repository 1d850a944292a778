using System.ComponentModel;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.Contracts.Webhooks;
using WorkSessions.Gateway.Auth;
using WorkSessions.Gateway.Errors;

namespace WorkSessions.Gateway.Apis;

/// <summary>
/// The tenant's webhook endpoints, for admins (docs/http-api.md#webhooks): signed deliveries of the event feed in feed
/// order. The tenant comes from the token: another tenant's endpoint ids lead to grains of the caller's tenant, which
/// have no such endpoint (404 <c>webhook_not_found</c>).
/// </summary>
public static class WebhooksApi
{
    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder routes)
    {
        var webhooks = routes.MapGroup("/webhooks").RequireAuthorization(Policies.Admin).WithTags("Webhooks");

        webhooks.MapPost("", CreateAsync)
            .WithName("CreateWebhook")
            .WithSummary("Create an endpoint that receives the tenant's events from now on; the answer holds its signing secret, shown this once.")
            .ProducesProblems(ErrorCodes.InvalidWebhookUrl, ErrorCodes.WebhookLimit, ErrorCodes.InvalidArgument);
        webhooks.MapGet("", ListAsync)
            .WithName("ListWebhooks")
            .WithSummary("The tenant's endpoints (at most 10), oldest first, without secrets.");
        webhooks.MapGet("/{webhookId}", GetAsync)
            .WithName("GetWebhook")
            .WithSummary("One endpoint: URL, kinds, status, the position delivered, the next retry.")
            .ProducesProblems(ErrorCodes.WebhookNotFound);
        webhooks.MapPut("/{webhookId}", UpdateAsync)
            .WithName("UpdateWebhook")
            .WithSummary("Change the URL or the kinds, hold deliveries (enabled: false) or resume them (enabled: true, also after failing) from the first undelivered event.")
            .ProducesProblems(ErrorCodes.WebhookNotFound, ErrorCodes.InvalidWebhookUrl, ErrorCodes.InvalidArgument);
        webhooks.MapDelete("/{webhookId}", DeleteAsync)
            .WithName("DeleteWebhook")
            .WithSummary("Delete an endpoint; its deliveries stop.")
            .ProducesProblems(ErrorCodes.WebhookNotFound);
        webhooks.MapPost("/{webhookId}/rotate-secret", RotateSecretAsync)
            .WithName("RotateWebhookSecret")
            .WithSummary("Make a new signing secret, shown this once; the previous one keeps signing alongside it for 24 hours.")
            .ProducesProblems(ErrorCodes.WebhookNotFound);
        webhooks.MapPost("/{webhookId}/replay", ReplayAsync)
            .WithName("ReplayWebhook")
            .WithSummary("Deliver every event after a feed position again, in feed order (or skip ahead to it).")
            .ProducesProblems(ErrorCodes.WebhookNotFound, ErrorCodes.InvalidCursor);
        webhooks.MapGet("/{webhookId}/deliveries", GetDeliveriesAsync)
            .WithName("ListWebhookDeliveries")
            .WithSummary("The endpoint's latest delivery attempts (the last 100 are kept), newest first.")
            .ProducesProblems(ErrorCodes.WebhookNotFound, ErrorCodes.InvalidCursor, ErrorCodes.InvalidArgument);
        return routes;
    }

    private static async Task<Created<WebhookCreated>> CreateAsync(CreateWebhookRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var caller = Caller.From(user);
        var created = await grains.GetWebhookRegistry(caller.TenantId).Create(new WebhookSettings(request.Url ?? "", request.Kinds, request.Description), caller.UserId);
        return TypedResults.Created($"/api/v1/webhooks/{created.WebhookId}", created);
    }

    private static async Task<Ok<WebhookList>> ListAsync(ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(new WebhookList(await grains.GetWebhookRegistry(Caller.From(user).TenantId).List()));

    private static async Task<Ok<WebhookView>> GetAsync(string webhookId, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await Endpoint(webhookId, user, grains).Get());

    private static async Task<Ok<WebhookView>> UpdateAsync(string webhookId, UpdateWebhookRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await Endpoint(webhookId, user, grains).Update(new WebhookChange(request.Url, request.Kinds, request.Enabled)));

    private static async Task<NoContent> DeleteAsync(string webhookId, ClaimsPrincipal user, IGrainFactory grains)
    {
        var caller = Caller.From(user);
        if (!WebhookLimits.IsValidWebhookId(webhookId))
        {
            throw new WorkSessionException(ErrorCodes.WebhookNotFound, "The tenant has no such webhook.");
        }

        await grains.GetWebhookRegistry(caller.TenantId).Delete(webhookId);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<WebhookSecretRotated>> RotateSecretAsync(string webhookId, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await Endpoint(webhookId, user, grains).RotateSecret());

    private static async Task<Ok<WebhookView>> ReplayAsync(string webhookId, ReplayWebhookRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var after = request.After ?? throw new WorkSessionException(ErrorCodes.InvalidCursor, "after is required: a feed position, 0 or more.");
        return TypedResults.Ok(await Endpoint(webhookId, user, grains).Replay(after));
    }

    private static async Task<Ok<ReportPage<WebhookDelivery>>> GetDeliveriesAsync(
        string webhookId,
        ClaimsPrincipal user,
        IGrainFactory grains,
        [Description("The nextCursor of the previous page.")] string? cursor,
        [Description("Attempts per page, 1-1000 (default 100).")] int? limit) =>
        TypedResults.Ok(await Endpoint(webhookId, user, grains).GetDeliveries(cursor, ReportLimits.PageSize(limit)));

    private static IWebhookGrain Endpoint(string webhookId, ClaimsPrincipal user, IGrainFactory grains) =>
        grains.GetWebhookGrain(Caller.From(user).TenantId, webhookId);
}

/// <summary>Body of <c>POST /webhooks</c>.</summary>
/// <param name="Url">Where events are posted: https and a public address outside Development, except the hosts in Webhooks:AllowedHosts.</param>
/// <param name="Kinds">Only events of these kinds (session-started, session-ended, status-changed, inactivity-warning, warning-cleared, preferences-changed, team-changed, agent-team-changed, client-gone, client-back); left out or empty for all.</param>
/// <param name="Description">A note for people, at most 200 characters.</param>
public sealed record CreateWebhookRequest(string? Url, IReadOnlyList<string>? Kinds, string? Description);

/// <summary>Body of <c>PUT /webhooks/{webhookId}</c>: fields left out stay as they are.</summary>
/// <param name="Url">A new URL.</param>
/// <param name="Kinds">New kinds; empty for all.</param>
/// <param name="Enabled">false holds deliveries; true resumes them from the first undelivered event, also after failing.</param>
public sealed record UpdateWebhookRequest(string? Url, IReadOnlyList<string>? Kinds, bool? Enabled);

/// <summary>Body of <c>POST /webhooks/{webhookId}/replay</c>.</summary>
/// <param name="After">The feed position after which deliveries continue (0 for everything retained).</param>
public sealed record ReplayWebhookRequest(long? After);

/// <summary>The tenant's endpoints.</summary>
/// <param name="Items">Every endpoint, oldest first.</param>
public sealed record WebhookList(IReadOnlyList<WebhookView> Items);
