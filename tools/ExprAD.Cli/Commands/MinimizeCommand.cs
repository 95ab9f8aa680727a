using ExprAD.Cli.Output;
using ExprAD.Optimization;
using Spectre.Console;

namespace ExprAD.Cli.Commands;

/// <summary>
/// <c>exprad minimize "formula" --from x=1,y=2</c>: runs <see cref="Optimize.MinimizeDetailed"/> and prints the
/// point reached, the value, iterations, evaluation counts, whether it converged and why it stopped.
/// Exit code 0 when a convergence test was met, 1 when not (iteration limit, failed line search), so scripts can
/// tell a minimum from wherever the solver gave up.
/// </summary>
public sealed class MinimizeCommand : FormulaCommand<MinimizeSettings>
{
    protected override int Run(MinimizeSettings settings)
    {
        var start = settings.RequireStart();
        var method = settings.ParseMethod();
        if (settings.MaxIterations < 0)
        {
            throw new UsageException($"--max-iterations {settings.MaxIterations} is negative");
        }
        var lower = BoundsOption.Parse(settings.Lower, "--lower", start, double.NegativeInfinity);
        var upper = BoundsOption.Parse(settings.Upper, "--upper", start, double.PositiveInfinity);
        bool bounded = lower is not null || upper is not null;
        // The library solves every bounded problem by projected L-BFGS whatever the method; asking for another
        // one is refused rather than silently ignored.
        if (bounded && method != MinimizationMethod.LBfgs)
        {
            throw new UsageException($"--method {settings.Method} cannot be used with --lower/--upper: bounded problems are solved by projected L-BFGS (leave --method out)");
        }
        CheckOrder(start, lower, upper);
        var f = Formula.Parse(settings.Formula, start.Names);

        var options = new OptimizationOptions
        {
            Method = method,
            MaxIterations = settings.MaxIterations,
            LowerBounds = lower,
            UpperBounds = upper,
        };
        var report = Optimize.MinimizeDetailed(f, start.Values, options);

        Console.Out.WriteLine($"f = {settings.Formula}");
        Console.Out.WriteLine($"method = {(bounded ? "projected L-BFGS (bounds)" : Name(method))}");
        Consoles.Out.Write(PointTable(start, lower, upper, report.X));
        Console.Out.WriteLine($"value = {Numbers.R(report.Value)}");
        Console.Out.WriteLine($"iterations = {report.Iterations}");
        Console.Out.WriteLine($"evaluations = {report.FunctionEvaluations} value only, {report.DerivativeEvaluations} with gradient, {report.HessianEvaluations} with gradient and Hessian");
        Console.Out.WriteLine($"converged = {(report.Converged ? "yes" : "no")}");
        Console.Out.WriteLine($"stop reason = {StopReason(report, settings.MaxIterations)}");
        return report.Converged ? 0 : ErrorReport.Failure;
    }

    /// <summary>The solver's reason, with the limit named when it ran out of iterations.</summary>
    private static string StopReason(OptimizationReport report, int maxIterations)
        => report.StopReason == OptimizationReport.IterationLimitReached ? $"iteration limit ({maxIterations}) reached" : report.StopReason;

    private static string Name(MinimizationMethod method) => method switch
    {
        MinimizationMethod.Bfgs => "BFGS",
        MinimizationMethod.Newton => "Newton (exact AD Hessian)",
        _ => "L-BFGS",
    };

    /// <summary>Crossed bounds are a usage error named by input, before the library's message in array indices.</summary>
    private static void CheckOrder(EvaluationPoint start, double[]? lower, double[]? upper)
    {
        if (lower is null || upper is null)
        {
            return;
        }
        for (int k = 0; k < lower.Length; k++)
        {
            if (!(lower[k] <= upper[k]))
            {
                throw new UsageException($"the lower bound of {start.Label(k)} ({Numbers.R(lower[k])}) exceeds its upper bound ({Numbers.R(upper[k])})");
            }
        }
    }

    /// <summary>One row per input: where it started, its bounds (columns only when bounds were given), where it ended.</summary>
    private static Table PointTable(EvaluationPoint start, double[]? lower, double[]? upper, double[] reached)
    {
        var table = new Table().AddColumn("input").AddColumn("from");
        bool bounded = lower is not null || upper is not null;
        if (bounded)
        {
            table.AddColumn("lower").AddColumn("upper");
        }
        table.AddColumn("reached");
        for (int k = 0; k < reached.Length; k++)
        {
            var row = new List<Text> { new(start.Label(k)), new(Numbers.R(start.Values[k])) };
            if (bounded)
            {
                row.Add(new Text(Numbers.R(lower?[k] ?? double.NegativeInfinity)));
                row.Add(new Text(Numbers.R(upper?[k] ?? double.PositiveInfinity)));
            }
            row.Add(new Text(Numbers.R(reached[k])));
            table.AddRow(row);
        }
        return table;
    }
}
