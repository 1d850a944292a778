using System.Text.Json;
using Microsoft.Playwright;
using WorkSessions.TestSupport;

namespace WorkSessions.Browser.Tests;

/// <summary>
/// axe-core (tools/axe, pinned by its package-lock.json; test.sh runs <c>npm ci --prefix tools/axe</c>) over a page in one
/// of its states, against the WCAG 2.1 A and AA rules.
/// </summary>
public static class Accessibility
{
    /// <summary>The rule sets axe runs: WCAG 2.0 and 2.1, levels A and AA.</summary>
    private static readonly string[] Tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

    private static readonly Lazy<string> Axe = new(ReadAxe);

    /// <summary>
    /// Runs axe on <paramref name="page"/> and fails with every violation of impact serious or critical: the rule, its
    /// impact, the elements (CSS selectors), what is wrong with each, and the rule's help.
    /// </summary>
    /// <param name="page">The page, in the state to judge.</param>
    /// <param name="state">The state's name for the failure message, e.g. <c>agent-prompt at desktop 1366x768</c>.</param>
    public static async Task AssertAccessibleAsync(IPage page, string state)
    {
        var violations = await ViolationsAsync(page);
        var severe = violations.Where(violation => violation.Impact is "serious" or "critical").ToList();
        Assert.True(severe.Count == 0,
            $"{state}: axe-core found {severe.Count} serious or critical WCAG 2.1 AA violation(s):\n" + string.Join("\n", severe.Select(Describe)));
    }

    /// <summary>Every WCAG 2.1 A/AA violation axe finds on the page as it is now, whatever its impact.</summary>
    public static async Task<IReadOnlyList<Violation>> ViolationsAsync(IPage page)
    {
        // Evaluated rather than added as a script tag: the console's Content-Security-Policy (script-src 'self') refuses
        // inline scripts, and an evaluation through the browser's debugging protocol is not subject to it.
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
        {
            await page.EvaluateAsync(Axe.Value);
        }

        var results = await page.EvaluateAsync<JsonElement>(
            """
            async tags => {
              const results = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
              return results.violations.map(violation => ({
                id: violation.id,
                impact: violation.impact ?? 'unknown',
                help: violation.help,
                helpUrl: violation.helpUrl,
                nodes: violation.nodes.map(node => ({ target: node.target.map(String).join(' '), summary: node.failureSummary ?? '' })),
              }));
            }
            """, Tags);
        return [.. results.EnumerateArray().Select(violation => new Violation(
            violation.GetProperty("id").GetString()!,
            violation.GetProperty("impact").GetString()!,
            violation.GetProperty("help").GetString()!,
            violation.GetProperty("helpUrl").GetString()!,
            [.. violation.GetProperty("nodes").EnumerateArray().Select(node =>
                new ViolatingNode(node.GetProperty("target").GetString()!, node.GetProperty("summary").GetString()!))]))];
    }

    private static string Describe(Violation violation) =>
        $"  {violation.Id} ({violation.Impact}): {violation.Help} — {violation.HelpUrl}\n"
        + string.Join("\n", violation.Nodes.Select(node => $"    {node.Target}\n      {node.Summary.ReplaceLineEndings("\n      ")}"));

    /// <summary>tools/axe/node_modules/axe-core/axe.min.js of the repository these tests were built from.</summary>
    private static string ReadAxe()
    {
        var path = Path.Combine(RepositoryPaths.Root, "tools", "axe", "node_modules", "axe-core", "axe.min.js");
        // Fail, never skip: accessibility that silently goes unchecked would pass CI unseen.
        return File.Exists(path)
            ? File.ReadAllText(path)
            : throw new InvalidOperationException($"{path} does not exist. Install the pinned axe-core: npm ci --prefix tools/axe (./test.sh does).");
    }

    /// <summary>One rule axe found broken, on one or more elements.</summary>
    public sealed record Violation(string Id, string Impact, string Help, string HelpUrl, IReadOnlyList<ViolatingNode> Nodes);

    /// <summary>An element that breaks a rule: its CSS selector and axe's account of what is wrong.</summary>
    public sealed record ViolatingNode(string Target, string Summary);
}
