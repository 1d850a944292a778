using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace WorkSessions.Storage;

/// <summary>
/// JSON metadata made at compile time for the state written on every transition, the agent's
/// (docs/architecture.md#storage): the reflection-based metadata built the same at run time, one property at a time, and
/// its writes boxed and looked up what this writes directly. The JSON is the same (names, the <c>Session</c> alias,
/// public fields, nulls left out), so rows stored either way load either way. Mirrors Orleans' grain-storage options:
/// the fast path needs the options to match.
/// </summary>
[JsonSourceGenerationOptions(IncludeFields = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AgentGrainState))]
internal sealed partial class GrainStateJsonContext : JsonSerializerContext
{
    /// <summary>
    /// Puts the compile-time metadata in front of whatever <paramref name="options"/> resolve types with (reflection
    /// when nothing was set): every other state type is resolved as before.
    /// </summary>
    public static void AddTo(JsonSerializerOptions options) =>
        options.TypeInfoResolver = JsonTypeInfoResolver.Combine(Default, options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver());
}
