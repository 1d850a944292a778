using System.Runtime.CompilerServices;

namespace WorkSessions;

/// <summary>
/// Grain references by string key without resolving the interface on every call. Orleans'
/// <c>GetGrain&lt;T&gt;(string)</c> looks up the interface's type name through its attributes and formats it each time
/// (about 3% of the CPU of an HTTP heartbeat); the grain type and interface
/// type it arrives at never change for a given grain factory, so they are resolved once per factory and interface.
/// </summary>
/// <typeparam name="TGrain">The grain interface.</typeparam>
internal static class GrainReferences<TGrain>
    where TGrain : IGrainWithStringKey
{
    // Keyed by factory: a process may hold several (a silo and a client, tests with several clusters).
    private static readonly ConditionalWeakTable<IGrainFactory, ResolvedTypes> ByFactory = new();

    /// <summary>The reference to the grain with <paramref name="key"/>, as <c>GetGrain&lt;TGrain&gt;(key)</c> gives it.</summary>
    public static TGrain Get(IGrainFactory grains, string key)
    {
        if (ByFactory.TryGetValue(grains, out var resolved))
        {
            return (TGrain)grains.GetGrain(GrainId.Create(resolved.GrainType, key), resolved.InterfaceType);
        }

        var reference = grains.GetGrain<TGrain>(key);
        if (reference is GrainReference grainReference)
        {
            ByFactory.TryAdd(grains, new ResolvedTypes(grainReference.GrainId.Type, grainReference.InterfaceType));
        }

        return reference;
    }

    private sealed record ResolvedTypes(GrainType GrainType, GrainInterfaceType InterfaceType);
}
