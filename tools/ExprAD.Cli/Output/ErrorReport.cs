using Spectre.Console.Cli;

namespace ExprAD.Cli.Output;

/// <summary>Errors on standard error, and their exit codes: 2 for usage and formula errors, 1 for anything else.</summary>
internal static class ErrorReport
{
    public const int Failure = 1;
    public const int UsageError = 2;

    /// <summary>The message, then the formula with a caret under the fault position.</summary>
    public static int Formula(string formula, FormulaException error)
    {
        var output = Console.Error;
        output.WriteLine($"error: {error.Message}");
        var (line, caret) = CaretLine(formula, error.Position);
        output.WriteLine("  " + line);
        output.WriteLine("  " + new string(' ', caret) + "^");
        return UsageError;
    }

    /// <summary>
    /// The formula on one line (line breaks and tabs shown as spaces, so the caret lines up), cut to a window
    /// around the fault when it is long; and the caret's column in that line.
    /// </summary>
    public static (string Line, int Caret) CaretLine(string formula, int position)
    {
        const int Window = 60;
        var flat = new string([.. formula.Select(c => char.IsControl(c) ? ' ' : c)]);
        position = Math.Clamp(position, 0, flat.Length);
        if (flat.Length <= 2 * Window)
        {
            return (flat, position);
        }
        int start = Math.Max(0, position - Window);
        int end = Math.Min(flat.Length, position + Window);
        string prefix = start > 0 ? "..." : "";
        string suffix = end < flat.Length ? "..." : "";
        return (prefix + flat[start..end] + suffix, prefix.Length + position - start);
    }

    public static int Message(string message, int exitCode)
    {
        Console.Error.WriteLine($"error: {message}");
        return exitCode;
    }

    /// <summary>Spectre's handler for what escapes a command: bad arguments and options are usage errors.</summary>
    public static int Usage(Exception exception) => exception switch
    {
        CommandAppException e => Message(e.Message + " (see exprad --help)", UsageError),
        UsageException e => Message(e.Message, UsageError),
        _ => Message($"{exception.GetType().Name}: {exception.Message}", Failure),
    };
}
