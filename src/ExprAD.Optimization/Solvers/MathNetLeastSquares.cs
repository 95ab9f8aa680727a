using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;
using ExprAD.Optimization.Evaluation;

namespace ExprAD.Optimization.Solvers;

/// <summary>
/// MathNet's Levenberg-Marquardt on residuals r(x). MathNet fits a model to observations, minimizing
/// 0.5 * |y - model|^2; with observations y = 0 and model = r that is exactly 0.5 * |r|^2, and the model's
/// Jacobian is the Jacobian of r.
/// </summary>
internal static class MathNetLeastSquares
{
    public static OptimizationReport Run(ResidualObjective objective, double[] x0, OptimizationOptions options)
    {
        var m = objective.Count;
        var n = objective.Dimension;
        var tracker = new IterationTracker(options.Progress, objective.Faults, () => objective.FunctionEvaluations, () => objective.DerivativeEvaluations);
        Vector<double> Model(Vector<double> p, Vector<double> _)
        {
            var r = new double[m];
            if (!double.IsFinite(objective.Residuals(p.ToArray(), r))) Reject(r);
            return Vector<double>.Build.DenseOfArray(r);
        }
        Matrix<double> Jacobian(Vector<double> p, Vector<double> _)
        {
            var x = p.ToArray();
            var r = new double[m];
            var j = new double[m, n];
            var value = objective.ResidualsAndJacobian(x, r, j);
            if (double.IsFinite(value)) tracker.Accepted(x, value, GradientNorm(r, j));
            else Array.Clear(j);
            return Matrix<double>.Build.DenseOfArray(j);
        }
        // A start where r is not finite gives MathNet nothing to work with (it would see a zero gradient and stop, "converged").
        if (!double.IsFinite(objective.Residuals(x0, new double[m])))
            return new OptimizationReport((double[])x0.Clone(), double.PositiveInfinity, 0, false, objective.FunctionEvaluations, 0, 0,
                "the residuals are not finite at x0");
        var model = ObjectiveFunction.NonlinearModel(Model, Jacobian,
            Vector<double>.Build.Dense(m, i => i), Vector<double>.Build.Dense(m));
        try
        {
            var result = new LevenbergMarquardtMinimizer(1e-3, options.GradientTolerance, options.StepTolerance, options.FunctionTolerance, options.MaxIterations)
                .FindMinimum(model, Vector<double>.Build.DenseOfArray(x0));
            var x = result.MinimizingPoint.ToArray();
            var value = 0.5 * result.ModelInfoAtMinimum.ModelValues.DotProduct(result.ModelInfoAtMinimum.ModelValues);
            if (!double.IsFinite(value) || value > objective.BestValue)
            {
                x = (double[])objective.BestX.Clone();
                value = objective.BestValue;
            }
            tracker.Finish(x, value, double.NaN);
            var converged = MathNetMinimizer.Converged(result.ReasonForExit) && double.IsFinite(value) && tracker.Count < Math.Max(1, options.MaxIterations);
            // The same words as the minimizers for running out: MathNet says ExceedIterations, or ManuallyStopped for a limit of 0.
            var reason = !converged && tracker.Count >= options.MaxIterations ? OptimizationReport.IterationLimitReached : result.ReasonForExit.ToString();
            return new OptimizationReport(x, value, tracker.Count, converged,
                objective.FunctionEvaluations, objective.DerivativeEvaluations, 0, reason);
        }
        catch (Exception e)
        {
            objective.Faults.RethrowIfAny();
            var found = double.IsFinite(objective.BestValue);
            return new OptimizationReport(found ? (double[])objective.BestX.Clone() : (double[])x0.Clone(), objective.BestValue, tracker.Count, false,
                objective.FunctionEvaluations, objective.DerivativeEvaluations, 0,
                (found ? "" : "no finite value found; ") + e.GetType().Name + ": " + e.Message);
        }
    }

    /// <summary>A trial point with a non-finite residual must look worse than any finite one: huge, but finite so MathNet's arithmetic stays NaN-free.</summary>
    private static void Reject(double[] r) => Array.Fill(r, 1e150);

    private static double GradientNorm(double[] r, double[,] j)
    {
        var norm = 0.0;
        for (var k = 0; k < j.GetLength(1); k++)
        {
            var g = 0.0;
            for (var i = 0; i < r.Length; i++) g += j[i, k] * r[i];
            norm = Math.Max(norm, Math.Abs(g));
        }
        return norm;
    }
}
