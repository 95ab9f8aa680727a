using System.Linq.Expressions;
using ExprAD.Optimization.Evaluation;
using ExprAD.Optimization.Solvers;

namespace ExprAD.Optimization;

/// <summary>Minimizers and nonlinear least squares fed by ExprAD's exact derivatives.</summary>
public static class Optimize
{
    /// <summary>Minimizes f from <paramref name="x0"/> with L-BFGS fed by AD gradients.</summary>
    /// <param name="f">The objective.</param>
    /// <param name="x0">The starting point (finite).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="x0"/> is empty or has a NaN or infinite entry.</exception>
    public static OptimizationResult Minimize(Expression<Func<double[], double>> f, double[] x0)
        => MinimizeDetailed(f, x0, new OptimizationOptions()).ToResult();

    /// <summary>Minimizes f from <paramref name="x0"/> with the method, tolerances, bounds, progress and cancellation in <paramref name="options"/>.</summary>
    /// <param name="f">The objective.</param>
    /// <param name="x0">The starting point (finite).</param>
    /// <param name="options">Settings.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="x0"/> or <paramref name="options"/> is invalid.</exception>
    /// <exception cref="OperationCanceledException">The options' cancellation token was cancelled.</exception>
    public static OptimizationResult Minimize(Expression<Func<double[], double>> f, double[] x0, OptimizationOptions options)
        => MinimizeDetailed(f, x0, options).ToResult();

    /// <summary>As <see cref="Minimize(Expression{Func{double[], double}}, double[], OptimizationOptions)"/>, with evaluation counts and the stop reason.</summary>
    /// <param name="f">The objective.</param>
    /// <param name="x0">The starting point (finite).</param>
    /// <param name="options">Settings; null for the defaults.</param>
    public static OptimizationReport MinimizeDetailed(Expression<Func<double[], double>> f, double[] x0, OptimizationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        InputChecks.StartingPoint(x0);
        options ??= new OptimizationOptions();
        InputChecks.Options(options, x0.Length);
        var value = AD.Compile(f);
        var (gradient, hessian) = options.Derivatives == DerivativeSource.Automatic
            ? (AD.Differentiate(f), options.Method == MinimizationMethod.Newton ? AD.Hessian(f) : null)
            : (FiniteDifferences.Gradient(value), null);
        var objective = new ScalarObjective(x0.Length, value, gradient, hessian, options.CancellationToken);
        return MathNetMinimizer.Run(objective, (double[])x0.Clone(), options);
    }

    /// <summary>Minimizes 0.5 * sum_i r_i(x)^2 by Levenberg-Marquardt, using the AD Jacobian of the residuals.</summary>
    /// <param name="residuals">The residuals, written as <c>x => new[] { r0, r1, ... }</c>.</param>
    /// <param name="x0">The starting point (finite).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="x0"/> is empty or has a NaN or infinite entry.</exception>
    public static OptimizationResult LeastSquares(Expression<Func<double[], double[]>> residuals, double[] x0)
        => LeastSquaresDetailed(residuals, x0, new OptimizationOptions()).ToResult();

    /// <summary>Least squares with the tolerances, iteration limit, progress and cancellation in <paramref name="options"/>.</summary>
    /// <param name="residuals">The residuals, written as <c>x => new[] { r0, r1, ... }</c>.</param>
    /// <param name="x0">The starting point (finite).</param>
    /// <param name="options">Settings (<see cref="OptimizationOptions.Method"/> and bounds are not used).</param>
    public static OptimizationResult LeastSquares(Expression<Func<double[], double[]>> residuals, double[] x0, OptimizationOptions options)
        => LeastSquaresDetailed(residuals, x0, options).ToResult();

    /// <summary>As <see cref="LeastSquares(Expression{Func{double[], double[]}}, double[], OptimizationOptions)"/>, with evaluation counts and the stop reason.</summary>
    /// <param name="residuals">The residuals, written as <c>x => new[] { r0, r1, ... }</c>.</param>
    /// <param name="x0">The starting point (finite).</param>
    /// <param name="options">Settings; null for the defaults.</param>
    public static OptimizationReport LeastSquaresDetailed(Expression<Func<double[], double[]>> residuals, double[] x0, OptimizationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(residuals);
        InputChecks.StartingPoint(x0);
        options ??= new OptimizationOptions();
        InputChecks.Options(options, x0.Length);
        var compiled = residuals.Compile();
        var m = compiled((double[])x0.Clone()).Length;
        var jacobian = options.Derivatives == DerivativeSource.Automatic ? AD.Jacobian(residuals) : FiniteDifferences.Jacobian(compiled);
        var objective = new ResidualObjective(x0.Length, m, (x, r) => compiled(x).CopyTo(r, 0), jacobian, options.CancellationToken);
        return MathNetLeastSquares.Run(objective, (double[])x0.Clone(), options);
    }
}
