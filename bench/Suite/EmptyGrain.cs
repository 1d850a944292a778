namespace WorkSessions.Bench.Suite;

/// <summary>The baseline of a grain call: a method that does nothing, on a grain with a string key like the agents'.</summary>
[Alias("WorkSessions.Bench.IEmptyGrain")]
public interface IEmptyGrain : IGrainWithStringKey
{
    /// <summary>Returns at once.</summary>
    [Alias("Ping")]
    Task Ping();
}

/// <summary>Holds nothing and writes nothing.</summary>
public sealed class EmptyGrain : Grain, IEmptyGrain
{
    public Task Ping() => Task.CompletedTask;
}
