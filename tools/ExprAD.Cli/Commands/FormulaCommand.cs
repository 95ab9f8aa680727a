using ExprAD.Cli.Output;
using Spectre.Console.Cli;

namespace ExprAD.Cli.Commands;

/// <summary>
/// The shape of every exprad command: run, and turn formula and usage errors into a message on standard
/// error (with a caret under the fault) and exit code 2.
/// </summary>
public abstract class FormulaCommand<TSettings> : Command<TSettings>
    where TSettings : FormulaSettings
{
    public sealed override int Execute(CommandContext context, TSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            return Run(settings);
        }
        catch (FormulaException e)
        {
            int exitCode = ErrorReport.Formula(settings.Formula, e);
            if (PointHint(settings, e) is { } hint)
            {
                Console.Error.WriteLine("hint: " + hint);
            }
            return exitCode;
        }
        catch (UsageException e)
        {
            return ErrorReport.Message(e.Message, ErrorReport.UsageError);
        }
        catch (ArgumentException e)
        {
            // Formula.Parse refuses variable names given with --at (not identifiers, function names, repeated).
            return ErrorReport.Message(e.Message, ErrorReport.UsageError);
        }
        catch (IndexOutOfRangeException)
        {
            return ErrorReport.Message($"the formula reads x[i] outside the values given with {settings.PointOption.Name}", ErrorReport.UsageError);
        }
    }

    /// <summary>
    /// The common mix-up between the two --at forms: x[i] in a formula given named variables, or names in a
    /// formula given a bare vector.
    /// </summary>
    private static string? PointHint(TSettings settings, FormulaException error)
    {
        var (option, text) = settings.PointOption;
        if (text is null)
        {
            return null;
        }
        bool vector;
        try
        {
            vector = EvaluationPoint.Parse(text, option).IsVector;
        }
        catch (UsageException)
        {
            return null;
        }
        if (!vector && settings.Formula.Contains('[', StringComparison.Ordinal))
        {
            return $"x[i] needs a vector formula: give the vector as {option} 1,2,3 (or x=1,2,3), without variable names";
        }
        if (vector && error.Message.StartsWith("unknown name", StringComparison.Ordinal))
        {
            return $"{option} without names makes a vector formula over x[i] and n; name the variables as {option} x=1,y=2";
        }
        return null;
    }

    /// <summary>The command itself; returns the exit code.</summary>
    protected abstract int Run(TSettings settings);
}
