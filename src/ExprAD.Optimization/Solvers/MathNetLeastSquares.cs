using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;
using ExprAD.Optimization.Evaluation;

namespace ExprAD.Optimization.Solvers;

/// <summary>MathNet's Levenberg-Marquardt on residuals r(x): its model is r with observations 0.</summary>
internal static class MathNetLeastSquares
{
    public static OptimizationReport Run(ResidualObjective objective, double[] x0, OptimizationOptions options)
    {
        var m = objective.Count;
        var n = objective.Dimension;
        Vector<double> Model(Vector<double> p, Vector<double> _)
        {
            var r = new double[m];
            objective.Residuals(p.ToArray(), r);
            return Vector<double>.Build.DenseOfArray(r);
        }
        Matrix<double> Jacobian(Vector<double> p, Vector<double> _)
        {
            var r = new double[m];
            var j = new double[m, n];
            objective.ResidualsAndJacobian(p.ToArray(), r, j);
            return Matrix<double>.Build.DenseOfArray(j);
        }
        var model = ObjectiveFunction.NonlinearModel(Model, Jacobian,
            Vector<double>.Build.Dense(m, i => i), Vector<double>.Build.Dense(m));
        try
        {
            var result = new LevenbergMarquardtMinimizer(1e-3, options.GradientTolerance, options.StepTolerance, options.FunctionTolerance, options.MaxIterations)
                .FindMinimum(model, Vector<double>.Build.DenseOfArray(x0));
            var x = result.MinimizingPoint.ToArray();
            var r = new double[m];
            var value = objective.Residuals(x, r);
            return new OptimizationReport(x, value, result.Iterations, true,
                objective.FunctionEvaluations, objective.DerivativeEvaluations, 0, result.ReasonForExit.ToString());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new OptimizationReport((double[])objective.BestX.Clone(), objective.BestValue, -1, false,
                objective.FunctionEvaluations, objective.DerivativeEvaluations, 0, e.GetType().Name + ": " + e.Message);
        }
    }
}
