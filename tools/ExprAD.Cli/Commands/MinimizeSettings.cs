using System.ComponentModel;
using ExprAD.Optimization;
using Spectre.Console.Cli;

namespace ExprAD.Cli.Commands;

/// <summary>Settings of <see cref="MinimizeCommand"/>: the starting point, the method, the iteration limit and bounds.</summary>
public sealed class MinimizeSettings : FormulaSettings
{
    [CommandOption("--from <POINT>")]
    [Description("The starting point, in the --at syntax: x=1,y=2 names the variables; x=1,2,3 or 1,2,3 is the vector x of a vector formula.")]
    public string? From { get; set; }

    // A string rather than the enum, so a misspelling gets our message listing the three names, and so
    // "not given" can be told from "lbfgs" when bounds are given (bounded problems always use projected L-BFGS).
    [CommandOption("--method <METHOD>")]
    [Description("lbfgs (the default), bfgs, or newton (exact AD Hessian). With --lower/--upper only lbfgs (projected) is available.")]
    public string? Method { get; set; }

    [CommandOption("--max-iterations <N>")]
    [Description("Give up, unconverged (exit code 1), after N iterations.")]
    [DefaultValue(2000)]
    public int MaxIterations { get; set; } = 2000;

    [CommandOption("--lower <BOUNDS>")]
    [Description("Lower bounds: x=0 bounds x alone (x[[1]]=0 in a vector formula), others stay unbounded; 0,0,0 gives one per input.")]
    public string? Lower { get; set; }

    [CommandOption("--upper <BOUNDS>")]
    [Description("Upper bounds, as --lower.")]
    public string? Upper { get; set; }

    internal override (string Name, string? Text) PointOption => ("--from", From);

    /// <summary>The parsed <c>--from</c>, or a usage error when it is missing.</summary>
    internal EvaluationPoint RequireStart()
        => From is null
            ? throw new UsageException("'minimize' needs a starting point: --from x=1,y=2 (variables) or --from 1,2,3 (the vector x)")
            : EvaluationPoint.Parse(From, "--from");

    /// <summary>The method asked for; L-BFGS when none was.</summary>
    internal MinimizationMethod ParseMethod() => Method?.ToLowerInvariant() switch
    {
        null or "lbfgs" or "l-bfgs" => MinimizationMethod.LBfgs,
        "bfgs" => MinimizationMethod.Bfgs,
        "newton" => MinimizationMethod.Newton,
        _ => throw new UsageException($"--method '{Method}' is not a method; use lbfgs, bfgs or newton"),
    };
}
