using Orleans.Configuration;

namespace WorkSessions.Hosting;

/// <summary>
/// How fast a cluster on PostgreSQL declares a silo dead. Orleans' defaults (a 5 s probe timeout, a one-minute table
/// refresh) suit a cloud with noisy neighbours; on a LAN they leave the grains of a dead silo unreachable for 15 s or
/// more, and every call to them fails meanwhile. Each silo probes the others every <see cref="ProbeTimeout"/>; after
/// <see cref="MissedProbesLimit"/> missed probes it votes, and <see cref="VotesForDeathDeclaration"/> votes declare the
/// silo dead: about 3–4 s after it stopped answering. Every key can be overridden under <c>Orleans:Membership</c>
/// (the names of <see cref="ClusterMembershipOptions"/>, plus <c>GatewayListRefreshPeriod</c> and <c>ResponseTimeout</c>
/// for clients).
/// </summary>
public static class FailureDetection
{
    /// <summary>The configuration section whose keys override these defaults.</summary>
    public const string SectionName = "Orleans:Membership";

    /// <summary>How long a probe may take, and how often silos probe each other.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Missed probes in a row before a silo suspects another and votes.</summary>
    public const int MissedProbesLimit = 3;

    /// <summary>
    /// Votes that declare a silo dead. Two, so one silo with a bad network link cannot evict a healthy one on its own.
    /// </summary>
    public const int VotesForDeathDeclaration = 2;

    /// <summary>How often silos re-read the membership table besides the changes they gossip.</summary>
    public static readonly TimeSpan TableRefreshTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How often a client re-reads the list of gateways, to use a silo that joined or came back.</summary>
    public static readonly TimeSpan GatewayListRefreshPeriod = TimeSpan.FromSeconds(5);

    /// <summary>How long a client waits for a grain call's answer before it fails with a timeout (Orleans: 30 s).</summary>
    public static readonly TimeSpan ClientResponseTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Applies the defaults; configuration bound afterwards overrides them.</summary>
    /// <param name="options">The silo's membership options.</param>
    public static void Apply(ClusterMembershipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ProbeTimeout = ProbeTimeout;
        options.NumMissedProbesLimit = MissedProbesLimit;
        options.NumVotesForDeathDeclaration = VotesForDeathDeclaration;
        options.TableRefreshTimeout = TableRefreshTimeout;
    }
}
