using System.ComponentModel;
using Spectre.Console.Cli;

namespace ExprAD.Cli.Commands;

/// <summary>Every command's first argument: the formula.</summary>
public class FormulaSettings : CommandSettings
{
    [CommandArgument(0, "<formula>")]
    [Description("The formula, quoted for the shell: numbers, variables, + - * / ^, sin cos tan asin acos atan atan2 sinh cosh tanh exp log log10 log2 sqrt cbrt abs pow min max floor ceil round sign hypot expm1 log1p, pi, e, comparisons, && || !, c ? a : b; in vector formulas x[[i]], n, sum(i, from, to, body) and prod(...).")]
    public string Formula { get; set; } = "";

    /// <summary>
    /// The option that gives the point (its name and text), so <see cref="FormulaCommand{TSettings}"/> can hint at a
    /// mix-up of the two point forms whichever command it is; commands without a point have none.
    /// </summary>
    internal virtual (string Name, string? Text) PointOption => ("--at", null);
}

/// <summary>A formula and the point to evaluate it at.</summary>
public class PointSettings : FormulaSettings
{
    [CommandOption("--at <POINT>")]
    [Description("The point. x=1,y=2 names the variables, in order (x[[0]], x[[1]]); x=1,2,3 or 1,2,3 is the vector x of a vector formula (one that uses x[[i]] and n). A lone x=1 declares a variable x; a one-element vector is --at 1.")]
    public string? At { get; set; }

    internal override (string Name, string? Text) PointOption => ("--at", At);

    /// <summary>The parsed <c>--at</c>, or a usage error naming the command when it is missing.</summary>
    internal EvaluationPoint RequirePoint(string command)
        => At is null
            ? throw new UsageException($"'{command}' needs a point: --at x=1,y=2 (variables) or --at 1,2,3 (the vector x)")
            : EvaluationPoint.Parse(At);
}
