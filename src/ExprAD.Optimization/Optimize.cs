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
        => MinimizeDetailed(f, x0, options ?? throw new ArgumentNullException(nameof(options))).ToResult();

    /// <summary>As <see cref="Minimize(Expression{Func{double[], double}}, double[], OptimizationOptions)"/>, with evaluation counts and the stop reason.</summary>
    /// <param name="f">The objective.</param>
    /// <param name="x0">The starting point (finite).</param>
    /// <param name="options">Settings; null for the defaults.</param>
    public static OptimizationReport MinimizeDetailed(Expression<Func<double[], double>> f, double[] x0, OptimizationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        InputChecks.StartingPoint(x0);
        InputChecks.Reads(f, x0);
        options ??= new OptimizationOptions();
        InputChecks.Options(options, x0.Length);
        var bounded = options.LowerBounds is not null || options.UpperBounds is not null;
        var newton = options.Method == MinimizationMethod.Newton && !bounded;
        if (newton && options.Derivatives != DerivativeSource.Automatic)
            throw new ArgumentException("Newton needs the exact Hessian: use DerivativeSource.Automatic, or a quasi-Newton method with finite differences.", nameof(options));
        // Only Newton's line search and finite differences evaluate f alone; compiling it costs as much as a
        // small problem's whole solve, so the gradient methods go without it.
        var value = newton || options.Derivatives != DerivativeSource.Automatic ? AD.Compile(f) : null;
        var (gradient, hessian) = options.Derivatives == DerivativeSource.Automatic
            ? (AD.Differentiate(f), newton ? AD.Hessian(f) : null)
            : (FiniteDifferences.Gradient(value!), null);
        var objective = new ScalarObjective(x0.Length, value, gradient, hessian, options.CancellationToken);
        if (bounded)
        {
            var lower = options.LowerBounds ?? Enumerable.Repeat(double.NegativeInfinity, x0.Length).ToArray();
            var upper = options.UpperBounds ?? Enumerable.Repeat(double.PositiveInfinity, x0.Length).ToArray();
            return new ProjectedLBfgs(objective, lower, upper, options).Run(x0);
        }
        return newton
            ? new ModifiedNewton(objective, options).Run(x0)
            : MathNetMinimizer.Run(objective, (double[])x0.Clone(), options);
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
        => LeastSquaresDetailed(residuals, x0, options ?? throw new ArgumentNullException(nameof(options))).ToResult();

    /// <summary>As <see cref="LeastSquares(Expression{Func{double[], double[]}}, double[], OptimizationOptions)"/>, with evaluation counts and the stop reason.</summary>
    /// <param name="residuals">The residuals, written as <c>x => new[] { r0, r1, ... }</c>.</param>
    /// <param name="x0">The starting point (finite).</param>
    /// <param name="options">Settings; null for the defaults.</param>
    public static OptimizationReport LeastSquaresDetailed(Expression<Func<double[], double[]>> residuals, double[] x0, OptimizationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(residuals);
        InputChecks.StartingPoint(x0);
        InputChecks.Reads(residuals, x0);
        options ??= new OptimizationOptions();
        InputChecks.Options(options, x0.Length);
        var compiled = residuals.Compile();
        var m = compiled((double[])x0.Clone()).Length;
        var jacobian = options.Derivatives == DerivativeSource.Automatic ? AD.Jacobian(residuals) : FiniteDifferences.Jacobian(compiled);
        var objective = new ResidualObjective(x0.Length, m, (x, r) => compiled(x).CopyTo(r, 0), jacobian, options.CancellationToken);
        return MathNetLeastSquares.Run(objective, (double[])x0.Clone(), options);
    }

    /// <summary>
    /// Fits the parameters p of <c>y = model(t, p)</c> to data (t_i, y_i) by least squares (as scipy's
    /// <c>curve_fit</c>): minimizes 0.5 * sum_i (model(t_i, p) - y_i)^2 with the AD Jacobian.
    /// </summary>
    /// <param name="model">The model, for example <c>(t, p) => p[0] * Math.Exp(-p[1] * t)</c>.</param>
    /// <param name="t">The independent variable at each data point.</param>
    /// <param name="y">The observed values; same length as <paramref name="t"/>.</param>
    /// <param name="p0">The starting parameters (finite).</param>
    /// <param name="options">Settings; null for the defaults.</param>
    /// <returns>X holds the fitted parameters; Value is 0.5 * the sum of squared residuals.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The data lengths differ, a data point is not finite, or <paramref name="p0"/> is invalid.</exception>
    public static OptimizationResult CurveFit(Expression<Func<double, double[], double>> model, double[] t, double[] y, double[] p0, OptimizationOptions? options = null)
        => LeastSquaresDetailed(CurveResiduals.Build(model, t, y), p0, options).ToResult();
}
