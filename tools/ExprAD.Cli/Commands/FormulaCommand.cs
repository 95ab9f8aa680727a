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
            return ErrorReport.Formula(settings.Formula, e);
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
            return ErrorReport.Message("the formula reads x[i] outside the values given with --at", ErrorReport.UsageError);
        }
    }

    /// <summary>The command itself; returns the exit code.</summary>
    protected abstract int Run(TSettings settings);
}
