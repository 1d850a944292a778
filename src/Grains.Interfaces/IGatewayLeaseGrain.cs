namespace WorkSessions;

/// <summary>
/// One Gateway's presence lease (docs/architecture.md#client-presence). Key: the Gateway's instance id, new at every
/// start. The Gateway renews it every few seconds — one call per Gateway, however many streams it holds, and nothing
/// stored. The grain keeps in memory which agents have streams on that Gateway; when the lease lapses (the Gateway died
/// or lost the cluster), it tells each of them, and they count those streams as gone since the last renewal.
/// </summary>
[Alias("WorkSessions.IGatewayLeaseGrain")]
public interface IGatewayLeaseGrain : IGrainWithStringKey
{
    /// <summary>Renews the lease for <paramref name="lease"/> from now.</summary>
    /// <param name="lease">How long the Gateway counts as alive without another renewal.</param>
    /// <returns>
    /// False when this activation does not know the Gateway's streams (the silo that held them was lost, or the lease
    /// had lapsed): the Gateway then announces each open stream again (<see cref="IAgentGrain.ClientConnected"/>).
    /// </returns>
    [Alias("Renew")]
    Task<bool> Renew(TimeSpan lease);

    /// <summary>How long a lease lasts when no renewal said otherwise (an activation the Gateway has not renewed yet).</summary>
    static TimeSpan DefaultLease => TimeSpan.FromSeconds(15);
}
