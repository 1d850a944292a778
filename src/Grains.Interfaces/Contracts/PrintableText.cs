namespace WorkSessions.Contracts;

/// <summary>
/// Text that reports, CSV exports and the report database keep as text: no NUL or other control character and no half
/// of a surrogate pair. Used for not-ready reasons (the tenant's list and an agent's own) and supervisors' notes.
/// </summary>
public static class PrintableText
{
    /// <summary>Whether <paramref name="text"/> may be stored and reported as it is; null counts as printable.</summary>
    /// <param name="text">The text to check.</param>
    /// <param name="allowLineBreaks">Whether line breaks and tabs are allowed (a note may have them).</param>
    public static bool IsPrintable(string? text, bool allowLineBreaks = false)
    {
        if (text is null)
        {
            return true;
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsControl(c) && !(allowLineBreaks && c is '\n' or '\r' or '\t'))
            {
                return false;
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }
}
