using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;
using WorkSessions.Gateway.Errors;
using WorkSessions.Gateway.Resilience;

namespace WorkSessions.Gateway.Tests;

/// <summary>Which failures are 503s a client may retry, and which stay 500s or domain answers.</summary>
public sealed class TransientFailuresTests
{
    public static TheoryData<Exception> Transient => new()
    {
        new TimeoutException("Response did not arrive on time"),
        new SiloUnavailableException("Silo is shutting down"),
        new Orleans.Runtime.Messaging.ConnectionFailedException("refused"),
        // What a client gets when an activation failed reading its state while PostgreSQL was down (seen in the fault suite).
        new CodecNotFoundException("Could not find a codec for type Npgsql.NpgsqlException."),
        new OrleansException("wrapped", new TimeoutException("inner")),
    };

    public static TheoryData<Exception> NotTransient => new()
    {
        new InvalidOperationException("a bug"),
        new CodecNotFoundException("Could not find a codec for type WorkSessions.SomethingNew."),
        new InconsistentStateException("etag"),
    };

    [Theory]
    [MemberData(nameof(Transient))]
    public void TransientFailure_IsServiceUnavailable(Exception exception)
    {
        Assert.True(TransientFailures.IsTransient(exception));
        Assert.Equal(Problems.ServiceUnavailable, ProblemExceptionHandler.CodeFor(exception).Code);
    }

    [Theory]
    [MemberData(nameof(NotTransient))]
    public void OtherFailure_IsNotRetried(Exception exception)
    {
        Assert.False(TransientFailures.IsTransient(exception));
        Assert.NotEqual(Problems.ServiceUnavailable, ProblemExceptionHandler.CodeFor(exception).Code);
    }
}
