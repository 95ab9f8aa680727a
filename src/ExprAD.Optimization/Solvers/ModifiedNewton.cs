using ExprAD.Optimization.Evaluation;

namespace ExprAD.Optimization.Solvers;

/// <summary>
/// Newton's method on the exact AD Hessian with the Hessian modification of Nocedal and Wright (Algorithm 3.3):
/// where H is not positive definite, H + tau I is used with the smallest tau (doubling) for which a Cholesky
/// factorization exists, so every step is a descent direction; an Armijo backtracking line search on value-only
/// evaluations then fixes the step length, shrinking past NaN. MathNet's NewtonMinimizer takes the raw Newton
/// step, which points uphill where H is indefinite, and stopped short on 8 of the 28 MGH problems (README).
/// </summary>
internal sealed class ModifiedNewton(ScalarObjective objective, OptimizationOptions options)
{
    private const double Armijo = 1e-4;
    private const double MachineEpsilon = 2.220446049250313e-16;

    public OptimizationReport Run(double[] x0)
    {
        var n = x0.Length;
        var tracker = new IterationTracker(options.Progress, objective.Faults, () => objective.FunctionEvaluations, () => objective.DerivativeEvaluations);
        var x = (double[])x0.Clone();
        var g = new double[n];
        var h = new double[n, n];
        var f = objective.ValueGradientHessian(x, g, h);
        if (!double.IsFinite(f)) return Report(x0, double.PositiveInfinity, 0, false, "the objective, gradient or Hessian is not finite at x0");
        tracker.Accepted(x, f, InfinityNorm(g));

        var trial = new double[n];
        for (var iteration = 0; iteration < options.MaxIterations; iteration++)
        {
            if (options.GradientIsSmall(InfinityNorm(g), f))
                return Report(x, f, tracker.Count, true, "gradient below tolerance");

            var d = DescentStep(h, g);
            var slope = Dot(g, d);
            var fNew = f;
            var accepted = false;
            for (var a = 1.0; a > 1e-20 && !accepted; a *= 0.5)
            {
                for (var i = 0; i < n; i++) trial[i] = x[i] + a * d[i];
                fNew = objective.Value(trial);
                accepted = fNew <= f + Armijo * a * slope && fNew < f;
            }
            if (!accepted)
            {
                var atPrecision = -slope <= 1e3 * MachineEpsilon * Math.Max(1, Math.Abs(f));
                return Report(x, f, tracker.Count, atPrecision, atPrecision ? "no decrease representable in double precision" : "line search found no decrease");
            }

            var largestStep = 0.0;
            for (var i = 0; i < n; i++) largestStep = Math.Max(largestStep, Math.Abs(trial[i] - x[i]) / Math.Max(1, Math.Abs(x[i])));
            var decrease = f - fNew;
            trial.CopyTo(x, 0);
            f = objective.ValueGradientHessian(x, g, h);
            if (!double.IsFinite(f)) return Report(x, fNew, tracker.Count, false, "the gradient or Hessian is not finite at the accepted point");
            tracker.Accepted(x, f, InfinityNorm(g));
            if (largestStep <= options.StepTolerance) return Report(x, f, tracker.Count, true, "step below tolerance");
            if (decrease <= options.FunctionTolerance * Math.Max(1, Math.Abs(f))) return Report(x, f, tracker.Count, true, "decrease below tolerance");
        }
        // The last step (or, with a limit of 0, the start) may have landed where the gradient test holds.
        if (options.GradientIsSmall(InfinityNorm(g), f)) return Report(x, f, tracker.Count, true, "gradient below tolerance");
        return Report(x, f, tracker.Count, false, OptimizationReport.IterationLimitReached);
    }

    /// <summary>Solves (H + tau I) d = -g for the smallest tau in {0, beta, 2 beta, ...} that makes H + tau I positive definite.</summary>
    private static double[] DescentStep(double[,] h, double[] g)
    {
        var n = g.Length;
        var minDiagonal = double.PositiveInfinity;
        var maxDiagonal = 0.0;
        for (var i = 0; i < n; i++)
        {
            minDiagonal = Math.Min(minDiagonal, h[i, i]);
            maxDiagonal = Math.Max(maxDiagonal, Math.Abs(h[i, i]));
        }
        var beta = 1e-3 * Math.Max(1, maxDiagonal);
        var tau = minDiagonal > 0 ? 0 : -minDiagonal + beta;
        for (var attempt = 0; attempt < 200; attempt++, tau = Math.Max(2 * tau, beta))
            if (Cholesky(h, tau) is { } l) return Solve(l, g);
        // No shift worked (the Hessian is wildly scaled): steepest descent is still a descent direction.
        return g.Select(e => -e).ToArray();
    }

    private static double[,]? Cholesky(double[,] h, double tau)
    {
        var n = h.GetLength(0);
        var l = new double[n, n];
        for (var j = 0; j < n; j++)
        {
            var diagonal = h[j, j] + tau;
            for (var k = 0; k < j; k++) diagonal -= l[j, k] * l[j, k];
            if (!(diagonal > 0)) return null;
            l[j, j] = Math.Sqrt(diagonal);
            for (var i = j + 1; i < n; i++)
            {
                var sum = h[i, j];
                for (var k = 0; k < j; k++) sum -= l[i, k] * l[j, k];
                l[i, j] = sum / l[j, j];
            }
        }
        return l;
    }

    /// <summary>Solves L L^T d = -g.</summary>
    private static double[] Solve(double[,] l, double[] g)
    {
        var n = g.Length;
        var y = new double[n];
        for (var i = 0; i < n; i++)
        {
            var sum = -g[i];
            for (var k = 0; k < i; k++) sum -= l[i, k] * y[k];
            y[i] = sum / l[i, i];
        }
        var d = new double[n];
        for (var i = n - 1; i >= 0; i--)
        {
            var sum = y[i];
            for (var k = i + 1; k < n; k++) sum -= l[k, i] * d[k];
            d[i] = sum / l[i, i];
        }
        return d;
    }

    private static double Dot(double[] a, double[] b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    private static double InfinityNorm(double[] v) => v.Max(Math.Abs);

    private OptimizationReport Report(double[] x, double f, int iterations, bool converged, string reason)
    {
        if (!converged && objective.BestValue < f)
        {
            x = objective.BestX;
            f = objective.BestValue;
        }
        return new OptimizationReport((double[])x.Clone(), f, iterations, converged,
            objective.FunctionEvaluations, objective.DerivativeEvaluations, objective.HessianEvaluations, reason);
    }
}
