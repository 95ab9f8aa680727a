using System.Globalization;

namespace ExprAD.Cli.Tests;

/// <summary>
/// Reads numbers back out of the tool's output, so tests compare values rather than exit codes: the
/// <c>key = value</c> lines and the rows of its tables, whatever characters Spectre draws the borders with.
/// </summary>
public static class ToolOutput
{
    /// <summary>The text after <c>key = </c> on its own line.</summary>
    public static string Line(string stdout, string key)
    {
        string prefix = key + " = ";
        var line = Lines(stdout).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        Assert.True(line is not null, $"no '{prefix}' line in\n{stdout}");
        return line[prefix.Length..];
    }

    public static double Number(string stdout, string key) => Parse(Line(stdout, key));

    /// <summary>The cells of the first table row whose first cell is <paramref name="label"/>, after the first one.</summary>
    public static string[] Row(string text, string label)
    {
        var row = Lines(text).Select(Cells).FirstOrDefault(cells => cells.Length > 0 && cells[0] == label);
        Assert.True(row is not null, $"no table row '{label}' in\n{text}");
        return row[1..];
    }

    public static double[] NumberRow(string text, string label) => [.. Row(text, label).Select(Parse)];

    /// <summary>The output from the line that starts with <paramref name="heading"/> on, to read a second table.</summary>
    public static string After(string stdout, string heading)
    {
        int at = stdout.IndexOf("\n" + heading, StringComparison.Ordinal);
        Assert.True(at >= 0, $"no '{heading}' in\n{stdout}");
        return stdout[at..];
    }

    public static double Parse(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static IEnumerable<string> Lines(string text) => text.Split('\n').Select(l => l.TrimEnd('\r'));

    /// <summary>
    /// A table line split at its borders: any character that cannot occur in a label (x, x[0]) or a number
    /// (-1.5E-07, Infinity). Border-only lines give no cells; an empty corner cell is kept as "".
    /// </summary>
    private static string[] Cells(string line)
    {
        static bool Content(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '+' or '[' or ']' or ' ' or '_';
        if (line.Length == 0 || Content(line[0]) || !line.Any(char.IsAsciiLetterOrDigit))
        {
            return [];
        }
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        foreach (char c in line[1..])
        {
            if (Content(c))
            {
                cell.Append(c);
            }
            else
            {
                cells.Add(cell.ToString().Trim());
                cell.Clear();
            }
        }
        return [.. cells];
    }
}
