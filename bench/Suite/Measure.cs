using System.Globalization;

namespace WorkSessions.Bench.Suite;

/// <summary>
/// How a figure's child process hands its numbers to the suite: one line per value, <c>@result NAME VALUE</c>, on
/// standard output (anything else a child prints is passed through as its log).
/// </summary>
internal static class Measure
{
    public const string Prefix = "@result ";

    public static void Report(string name, double value) =>
        Console.WriteLine(Prefix + name + " " + value.ToString("R", CultureInfo.InvariantCulture));

    public static void Log(string text) => Console.Error.WriteLine(text);

    /// <summary>The value at fraction <paramref name="p"/> of a sorted array (nearest rank).</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static void ReportPercentiles(string name, IEnumerable<double> values, params double[] fractions)
    {
        var sorted = values.Order().ToArray();
        foreach (var p in fractions)
        {
            Report($"{name}.{(p >= 1 ? "max" : "p" + (p * 100).ToString("0.#", CultureInfo.InvariantCulture))}", Percentile(sorted, p));
        }
    }

    /// <summary>Median and range of the runs' values, in the table's words: "median (min–max)".</summary>
    public static (double Median, double Min, double Max) Summarize(IReadOnlyList<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0)
        {
            return (double.NaN, double.NaN, double.NaN);
        }

        var median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        return (median, sorted[0], sorted[^1]);
    }
}
