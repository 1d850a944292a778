using System.Text.Json.Nodes;

namespace WorkSessions.TestSupport;

/// <summary>Edits of stored JSON documents, for tests that need a row as an older version wrote it.</summary>
public static class JsonProperties
{
    /// <summary>Removes every property named <paramref name="name"/> (any casing), at any depth; returns how many there were.</summary>
    public static int RemoveEverywhere(JsonNode? node, string name)
    {
        var removed = 0;
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(property => property.Key).ToList())
                {
                    if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
                    {
                        obj.Remove(key);
                        removed++;
                    }
                    else
                    {
                        removed += RemoveEverywhere(obj[key], name);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    removed += RemoveEverywhere(item, name);
                }

                break;
        }

        return removed;
    }
}
