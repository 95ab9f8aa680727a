using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;
using ExprAD.Optimization.Evaluation;

namespace ExprAD.Optimization.Solvers;

/// <summary>Runs one of MathNet's gradient minimizers and turns its exceptions into an unconverged report.</summary>
internal static class MathNetMinimizer
{
    public static OptimizationReport Run(ScalarObjective objective, double[] x0, OptimizationOptions options)
    {
        var start = Vector<double>.Build.DenseOfArray(x0);
        var f = new MathNetObjective(objective);
        var bounded = options.LowerBounds is not null || options.UpperBounds is not null;
        try
        {
            MinimizationResult result;
            if (bounded)
            {
                var lo = Vector<double>.Build.DenseOfArray(options.LowerBounds ?? Enumerable.Repeat(double.NegativeInfinity, x0.Length).ToArray());
                var hi = Vector<double>.Build.DenseOfArray(options.UpperBounds ?? Enumerable.Repeat(double.PositiveInfinity, x0.Length).ToArray());
                result = new BfgsBMinimizer(options.GradientTolerance, options.StepTolerance, options.FunctionTolerance, options.MaxIterations)
                    .FindMinimum(f, lo, hi, start);
            }
            else
            {
                result = options.Method switch
                {
                    MinimizationMethod.Bfgs => new BfgsMinimizer(options.GradientTolerance, options.StepTolerance, options.FunctionTolerance, options.MaxIterations).FindMinimum(f, start),
                    MinimizationMethod.Newton => new NewtonMinimizer(options.GradientTolerance, options.MaxIterations, true).FindMinimum(f, start),
                    _ => new LimitedMemoryBfgsMinimizer(options.GradientTolerance, options.StepTolerance, options.FunctionTolerance, options.LBfgsMemory, options.MaxIterations).FindMinimum(f, start),
                };
            }
            var x = result.MinimizingPoint.ToArray();
            return new OptimizationReport(x, result.FunctionInfoAtMinimum.Value, result.Iterations, true,
                objective.FunctionEvaluations, objective.DerivativeEvaluations, objective.HessianEvaluations, result.ReasonForExit.ToString());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new OptimizationReport((double[])objective.BestX.Clone(), objective.BestValue, -1, false,
                objective.FunctionEvaluations, objective.DerivativeEvaluations, objective.HessianEvaluations, e.GetType().Name + ": " + e.Message);
        }
    }
}
