namespace WorkSessions;

/// <summary>
/// Whether this silo is still an active member of the cluster. A silo that was paused (a stalled host, a long
/// collection) until the others declared it dead runs its grains' timers, long due, in the moments before it learns so
/// and stops: a deadline check there does nothing. A cheap first check that covers most of that window; the
/// <see cref="ActivationFence"/> is the guarantee (docs/architecture.md#recovery-rule).
/// </summary>
internal sealed class LocalSiloStatus(ILocalSiloDetails silo, IClusterMembershipService membership)
{
    /// <summary>This silo's address.</summary>
    public SiloAddress Address => silo.SiloAddress;

    public bool IsActive => membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress) == SiloStatus.Active;
}
