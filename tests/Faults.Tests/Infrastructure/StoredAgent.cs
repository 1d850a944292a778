using System.Globalization;
using System.Text.Json.Nodes;

namespace WorkSessions.Faults.Tests.Infrastructure;

/// <summary>An agent's stored state as the fault tests check it: whether a session is open, and its latest recorded time.</summary>
/// <param name="Open">The stored state holds an open session.</param>
/// <param name="LatestRecordedAt">The latest time the agent's state recorded (an end's time once the session ended).</param>
internal sealed record StoredAgent(bool Open, DateTimeOffset? LatestRecordedAt)
{
    /// <summary>Each agent's stored state in <paramref name="tenant"/>, by agent id.</summary>
    public static async Task<Dictionary<string, StoredAgent>> ReadAsync(FaultCluster cluster, string tenant)
    {
        var prefix = tenant + "/";
        var stored = new Dictionary<string, StoredAgent>(StringComparer.Ordinal);
        foreach (var (key, json) in await cluster.AgentStatesAsync())
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var agent = Field(JsonNode.Parse(json), "Session");
            var latest = Field(agent, "LatestRecordedAt");
            stored[key[prefix.Length..]] = new StoredAgent(
                Field(agent, "Session") is not null,
                latest is null ? null : DateTimeOffset.Parse(latest.GetValue<string>(), CultureInfo.InvariantCulture));
        }

        return stored;
    }

    /// <summary>A property by name whatever its casing, so the check does not depend on the serializer's naming policy.</summary>
    private static JsonNode? Field(JsonNode? node, string name) =>
        node is JsonObject json ? json.FirstOrDefault(pair => string.Equals(pair.Key, name, StringComparison.OrdinalIgnoreCase)).Value : null;
}
