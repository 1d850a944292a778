using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace WorkSessions.Webhooks;

/// <summary>
/// Signing per the Standard Webhooks specification (https://www.standardwebhooks.com): the signed content is
/// <c>{webhook-id}.{webhook-timestamp}.{body}</c>, the signature <c>v1,</c> + base64 HMAC-SHA256 keyed with the bytes of
/// the secret after <c>whsec_</c>; several secrets give several signatures, space-separated.
/// </summary>
internal static class WebhookSigning
{
    public const string SecretPrefix = "whsec_";

    /// <summary>Random bytes per secret: the specification asks for 24 to 64.</summary>
    public const int SecretBytes = 32;

    /// <summary>A new secret: <c>whsec_</c> and the base64 of <see cref="SecretBytes"/> random bytes.</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBytes));

    /// <summary>The <c>webhook-signature</c> header's value for the content, one signature per secret in the given order.</summary>
    /// <param name="secrets">Secrets made by <see cref="NewSecret"/>.</param>
    /// <param name="messageId">The <c>webhook-id</c>.</param>
    /// <param name="timestamp">The <c>webhook-timestamp</c>, Unix seconds.</param>
    /// <param name="body">The exact body sent.</param>
    public static string Sign(IEnumerable<string> secrets, string messageId, long timestamp, string body)
    {
        var content = Encoding.UTF8.GetBytes($"{messageId}.{timestamp.ToString(CultureInfo.InvariantCulture)}.{body}");
        return string.Join(' ', secrets.Select(secret => "v1," + Convert.ToBase64String(HMACSHA256.HashData(KeyOf(secret), content))));
    }

    private static byte[] KeyOf(string secret) =>
        secret.StartsWith(SecretPrefix, StringComparison.Ordinal)
            ? Convert.FromBase64String(secret[SecretPrefix.Length..])
            : throw new ArgumentException("A webhook secret starts with whsec_.", nameof(secret));
}
