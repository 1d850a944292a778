using System.Globalization;

namespace WorkSessions.Bench.Suite;

/// <summary>The suite's options: <c>--name value</c> pairs and bare <c>--flag</c>s.</summary>
internal sealed class SuiteArguments(string[] args)
{
    public string[] All => args;

    public bool Flag(string name) => args.Contains(name);

    public string? Value(string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    public int Int(string name, int fallback) =>
        Value(name) is { } text ? int.Parse(text.Replace("_", "").Replace(",", ""), CultureInfo.InvariantCulture) : fallback;
}
