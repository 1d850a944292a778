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

    /// <summary>
    /// Whether some silo can still host a grain that is not here: this one is active, or another one is. False while the
    /// last silo of the cluster stops, when Orleans can place a grain nowhere and logs every message to one as undeliverable.
    /// </summary>
    public bool CanPlaceGrains
    {
        get
        {
            var snapshot = membership.CurrentSnapshot;
            if (snapshot.GetSiloStatus(silo.SiloAddress) == SiloStatus.Active)
            {
                return true;
            }

            foreach (var member in snapshot.Members.Values)
            {
                if (member.Status == SiloStatus.Active && !member.SiloAddress.Equals(silo.SiloAddress))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
