using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace WorkSessions.Hosting;

/// <summary>Whether a process runs the Orleans Dashboard (<c>Dashboard:Enabled</c>, on unless set to <c>false</c>).</summary>
public static class DashboardSetting
{
    /// <summary>The configuration key.</summary>
    public const string Key = "Dashboard:Enabled";

    /// <summary>
    /// Read from <paramref name="configuration"/>. Turning it off saves the dashboard's costs where nobody looks at it: its
    /// assets are compressed when the Gateway starts (about half a second of its start-up), and it reads every Orleans
    /// instrument each second (about 6% of a busy Gateway's CPU; bench/HISTORY.md, 2026-12-02, "profiles").
    /// </summary>
    /// <exception cref="OptionsValidationException">The value is neither <c>true</c> nor <c>false</c>.</exception>
    public static bool IsEnabled(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[Key];
        if (value is null)
        {
            return true;
        }

        return bool.TryParse(value, out var enabled)
            ? enabled
            : throw new OptionsValidationException(Key, typeof(bool), [$"{Key} must be true or false, not '{value}'."]);
    }
}
