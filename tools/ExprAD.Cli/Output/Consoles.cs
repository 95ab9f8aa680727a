using Spectre.Console;

namespace ExprAD.Cli.Output;

/// <summary>
/// The consoles the tool writes to. When output is redirected (a pipe, a file, a test) Spectre would
/// assume 80 columns and wrap tables; numbers are printed round-trip, so give them room instead.
/// </summary>
internal static class Consoles
{
    public static IAnsiConsole Out { get; } = Create(Console.Out, Console.IsOutputRedirected);

    public static IAnsiConsole Error { get; } = Create(Console.Error, Console.IsErrorRedirected);

    private static IAnsiConsole Create(TextWriter writer, bool redirected)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        if (redirected)
        {
            console.Profile.Width = 240;
        }
        return console;
    }
}
