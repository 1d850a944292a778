using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace WorkSessions.Storage;

/// <summary>
/// Gives a command's parameters the names its statement uses. The Orleans providers name theirs without a prefix
/// (<c>GrainIdHash</c> for <c>@GrainIdHash</c>), and Microsoft.Data.Sqlite binds such a parameter by trying <c>@</c>,
/// <c>$</c> and <c>:</c> in turn on every execution: three strings built, converted to UTF-8 and looked up in SQLite,
/// for each of a write's nine parameters. In a deadline storm that was a tenth of everything the silo allocated.
/// Named as the statement names it, a parameter is one lookup.
/// </summary>
internal static class SqliteParameterNames
{
    private const string Prefixes = "@$:";

    // Keyed by the statement's text as an object: the providers' queries are the same string instances on every call,
    // so a lookup costs no hashing of the text, and an entry goes when its text does.
    private static readonly ConditionalWeakTable<string, ConcurrentDictionary<string, string>> ByStatement = new();

    /// <summary>Renames each unprefixed parameter to the one prefixed name its statement uses; leaves any other alone.</summary>
    public static void Qualify(SqliteCommand command)
    {
        if (command.Parameters.Count == 0 || command.CommandText is not { Length: > 0 } text)
        {
            return;
        }

        ConcurrentDictionary<string, string>? names = null;
        foreach (SqliteParameter parameter in command.Parameters)
        {
            var name = parameter.ParameterName;
            if (name.Length == 0 || Prefixes.Contains(name[0]))
            {
                continue;
            }

            names ??= ByStatement.GetValue(text, static _ => new ConcurrentDictionary<string, string>(StringComparer.Ordinal));
            parameter.ParameterName = names.GetOrAdd(name, static (bare, statement) => Resolve(statement, bare), text);
        }
    }

    /// <summary>
    /// The prefixed name if the statement uses the parameter with exactly one prefix; otherwise the bare name, so that
    /// Microsoft.Data.Sqlite decides as before (a missing or an ambiguous parameter fails as it always did).
    /// </summary>
    internal static string Resolve(string statement, string bare)
    {
        string? found = null;
        foreach (var prefix in Prefixes)
        {
            if (!Uses(statement, prefix, bare))
            {
                continue;
            }

            if (found is not null)
            {
                return bare;
            }

            found = prefix + bare;
        }

        return found ?? bare;
    }

    private static bool Uses(string statement, char prefix, string bare)
    {
        var text = statement.AsSpan();
        for (var at = 0; at < text.Length;)
        {
            var index = text[at..].IndexOf(bare.AsSpan(), StringComparison.Ordinal);
            if (index < 0)
            {
                return false;
            }

            var start = at + index;
            var end = start + bare.Length;
            if (start > 0 && text[start - 1] == prefix && (end == text.Length || !IsNamePart(text[end])))
            {
                return true;
            }

            at = start + 1;
        }

        return false;
    }

    private static bool IsNamePart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';
}
