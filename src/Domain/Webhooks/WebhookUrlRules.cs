using System.Net;
using System.Net.Sockets;
using WorkSessions.Contracts;
using WorkSessions.Contracts.Webhooks;

namespace WorkSessions.Webhooks;

/// <summary>
/// Where webhooks may go (DESIGN §10): absolute <c>http</c>/<c>https</c> URLs without user info; when
/// <paramref name="PublicHttpsOnly"/> (outside Development), only <c>https</c> and public addresses, except the
/// <paramref name="AllowedHosts"/>, which may use <c>http</c> and private or loopback addresses. A host name is checked
/// again when its addresses are resolved, at connect time (<see cref="MayConnect"/>), so a name that resolves to a
/// private address (DNS rebinding included) is refused then.
/// </summary>
/// <param name="PublicHttpsOnly">Whether the https-and-public rule applies.</param>
/// <param name="AllowedHosts">Host names or address literals exempt from it, compared without case.</param>
internal sealed record WebhookUrlRules(bool PublicHttpsOnly, IReadOnlyCollection<string> AllowedHosts)
{
    /// <summary>The URL as a <see cref="Uri"/> when it may be used.</summary>
    /// <param name="url">What the admin sent.</param>
    /// <exception cref="WorkSessionException"><c>invalid_webhook_url</c> with the reason.</exception>
    public Uri Check(string? url)
    {
        if (string.IsNullOrWhiteSpace(url) || url.Length > WebhookLimits.MaxUrlLength)
        {
            throw Refused($"url is required: an absolute https URL of at most {WebhookLimits.MaxUrlLength} characters.");
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw Refused($"'{url}' is not an absolute http or https URL.");
        }

        if (uri.UserInfo.Length > 0)
        {
            throw Refused("A webhook URL may not carry a user name or password; authenticate by the signature.");
        }

        if (!PublicHttpsOnly || IsAllowedHost(uri.IdnHost))
        {
            return uri;
        }

        if (uri.Scheme != Uri.UriSchemeHttps)
        {
            throw Refused($"Only https URLs are allowed, except for the hosts in Webhooks:AllowedHosts; not '{uri.Scheme}'.");
        }

        var host = uri.IdnHost.TrimEnd('.');
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(uri.IdnHost, out var address) && !IsPublic(address)))
        {
            throw Refused($"'{uri.Host}' is not a public address; only hosts in Webhooks:AllowedHosts may be private or loopback.");
        }

        return uri;
    }

    /// <summary>Whether the host is exempt from the public-and-https rule.</summary>
    /// <param name="host">The URL's host (an IPv6 literal without brackets is matched with and without them).</param>
    public bool IsAllowedHost(string host) =>
        AllowedHosts.Any(allowed => allowed.Equals(host, StringComparison.OrdinalIgnoreCase) || allowed.Trim('[', ']').Equals(host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether a connection to <paramref name="address"/> resolved for <paramref name="host"/> may be opened.</summary>
    /// <param name="host">The URL's host.</param>
    /// <param name="address">One address it resolved to.</param>
    public bool MayConnect(string host, IPAddress address) => !PublicHttpsOnly || IsAllowedHost(host) || IsPublic(address);

    /// <summary>
    /// Whether an address is publicly routable: not unspecified, loopback, private (RFC 1918, carrier-grade NAT),
    /// link-local, unique-local, site-local, multicast, reserved or documentation; IPv4 inside IPv6 (mapped, compatible,
    /// NAT64) is judged as the IPv4 address.
    /// </summary>
    /// <param name="address">The address.</param>
    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            if (address.IsIPv4MappedToIPv6)
            {
                return IsPublicV4(address.MapToIPv4().GetAddressBytes());
            }

            // ::a.b.c.d (deprecated IPv4-compatible) and 64:ff9b::a.b.c.d (NAT64) reach the IPv4 address.
            if (bytes.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0
                || (bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xff && bytes[3] == 0x9b && bytes.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0))
            {
                return IsPublicV4(bytes[12..]);
            }

            return !(IPAddress.IPv6Loopback.Equals(address) || IPAddress.IPv6None.Equals(address)
                || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal
                || (bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0d && bytes[3] == 0xb8)); // 2001:db8::/32, documentation
        }

        return address.AddressFamily == AddressFamily.InterNetwork && IsPublicV4(address.GetAddressBytes());
    }

    private static bool IsPublicV4(byte[] b) => !(
        b[0] == 0 // 0.0.0.0/8, "this network"
        || b[0] == 10
        || b[0] == 127
        || (b[0] == 100 && b[1] >= 64 && b[1] <= 127) // carrier-grade NAT
        || (b[0] == 169 && b[1] == 254) // link-local, cloud metadata
        || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
        || (b[0] == 192 && b[1] == 168)
        || (b[0] == 192 && b[1] == 0 && b[2] == 0) // IETF protocol assignments
        || (b[0] == 192 && b[1] == 0 && b[2] == 2) || (b[0] == 198 && b[1] == 51 && b[2] == 100) || (b[0] == 203 && b[1] == 0 && b[2] == 113) // documentation
        || (b[0] == 198 && (b[1] == 18 || b[1] == 19)) // benchmarking
        || b[0] >= 224); // multicast, reserved, broadcast

    private static WorkSessionException Refused(string message) => new(ErrorCodes.InvalidWebhookUrl, message);
}
