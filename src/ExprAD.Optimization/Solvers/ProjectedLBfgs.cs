using ExprAD.Optimization.Evaluation;

namespace ExprAD.Optimization.Solvers;

/// <summary>
/// L-BFGS for box constraints by projection, used instead of MathNet's BfgsBMinimizer, which in 5.0.0 throws
/// ArgumentOutOfRangeException on small boxes where two or more bounds become active (see the README's
/// Optimization section). Each iteration fixes the variables held at a bound by their gradient (the active set),
/// takes the L-BFGS direction in the others, and backtracks along the projected path P(x + a d) until the Armijo
/// condition holds; a non-finite value counts as no decrease, so the step shrinks past NaN regions.
/// </summary>
internal sealed class ProjectedLBfgs(ScalarObjective objective, double[] lower, double[] upper, OptimizationOptions options)
{
    private const double Armijo = 1e-4;
    private const double MachineEpsilon = 2.220446049250313e-16;
    private readonly int _n = lower.Length;
    private readonly List<(double[] S, double[] Y, double Rho)> _memory = [];

    public OptimizationReport Run(double[] x0)
    {
        var tracker = new IterationTracker(options.Progress, objective.Faults, () => objective.FunctionEvaluations, () => objective.DerivativeEvaluations);
        var x = new double[_n];
        for (var i = 0; i < _n; i++) x[i] = Math.Clamp(x0[i], lower[i], upper[i]);
        var g = new double[_n];
        var f = objective.ValueAndGradient(x, g);
        if (!double.IsFinite(f)) return Report(x0, double.PositiveInfinity, 0, false, "the objective is not finite at x0");
        tracker.Accepted(x, f, ProjectedGradientNorm(x, g));

        var trial = new double[_n];
        var gTrial = new double[_n];
        for (var iteration = 0; iteration < options.MaxIterations; iteration++)
        {
            if (options.GradientIsSmall(ProjectedGradientNorm(x, g), f))
                return Report(x, f, tracker.Count, true, "projected gradient below tolerance");

            var d = Direction(x, g);
            var (fNew, moved) = LineSearch(x, f, g, d, trial, gTrial);
            // When the model's predicted decrease is below what double precision can show in f, a failed line
            // search means we are at the minimum to working precision, not lost.
            if (!moved && -Dot(g, d) <= 1e3 * MachineEpsilon * Math.Max(1, Math.Abs(f)))
                return Report(x, f, tracker.Count, true, "no decrease representable in double precision");
            if (!moved && _memory.Count > 0)
            {
                // The quasi-Newton model misled us: forget it and try projected steepest descent once.
                _memory.Clear();
                d = Direction(x, g);
                (fNew, moved) = LineSearch(x, f, g, d, trial, gTrial);
            }
            if (!moved) return Report(x, f, tracker.Count, false, "line search found no decrease");

            Remember(x, g, trial, gTrial);
            var decrease = f - fNew;
            var largestStep = 0.0;
            for (var i = 0; i < _n; i++) largestStep = Math.Max(largestStep, Math.Abs(trial[i] - x[i]) / Math.Max(1, Math.Abs(x[i])));
            trial.CopyTo(x, 0);
            gTrial.CopyTo(g, 0);
            f = fNew;
            tracker.Accepted(x, f, ProjectedGradientNorm(x, g));
            if (largestStep <= options.StepTolerance) return Report(x, f, tracker.Count, true, "step below tolerance");
            if (decrease <= options.FunctionTolerance * Math.Max(1, Math.Abs(f))) return Report(x, f, tracker.Count, true, "decrease below tolerance");
        }
        // The last step (or, with a limit of 0, the start) may have landed where the gradient test holds.
        if (options.GradientIsSmall(ProjectedGradientNorm(x, g), f)) return Report(x, f, tracker.Count, true, "projected gradient below tolerance");
        return Report(x, f, tracker.Count, false, OptimizationReport.IterationLimitReached);
    }

    /// <summary>Variables at a bound whose gradient pushes them outward are held fixed this iteration.</summary>
    private bool Held(double[] x, double[] g, int i) => (x[i] <= lower[i] && g[i] > 0) || (x[i] >= upper[i] && g[i] < 0);

    private double ProjectedGradientNorm(double[] x, double[] g)
    {
        var norm = 0.0;
        for (var i = 0; i < _n; i++)
            if (!Held(x, g, i)) norm = Math.Max(norm, Math.Abs(g[i]));
        return norm;
    }

    /// <summary>The L-BFGS two-loop recursion on the free variables; held variables get no step.</summary>
    private double[] Direction(double[] x, double[] g)
    {
        var q = new double[_n];
        for (var i = 0; i < _n; i++) q[i] = Held(x, g, i) ? 0 : -g[i];
        var alpha = new double[_memory.Count];
        for (var k = _memory.Count - 1; k >= 0; k--)
        {
            alpha[k] = _memory[k].Rho * FreeDot(x, g, _memory[k].S, q);
            Axpy(-alpha[k], _memory[k].Y, q, x, g);
        }
        if (_memory.Count > 0)
        {
            var (s, y, _) = _memory[^1];
            var gamma = Dot(s, y) / Dot(y, y);
            for (var i = 0; i < _n; i++) q[i] *= gamma;
        }
        else
        {
            // First step: no curvature known yet, so move at most about one unit.
            var scale = 1 / Math.Max(1, Norm(q));
            for (var i = 0; i < _n; i++) q[i] *= scale;
        }
        for (var k = 0; k < _memory.Count; k++)
        {
            var beta = _memory[k].Rho * FreeDot(x, g, _memory[k].Y, q);
            Axpy(alpha[k] - beta, _memory[k].S, q, x, g);
        }
        if (Dot(q, g) >= 0)
            for (var i = 0; i < _n; i++) q[i] = Held(x, g, i) ? 0 : -g[i];  // not a descent direction: steepest descent
        return q;
    }

    /// <summary>Backtracking along P(x + a d): halve a until f decreases by the Armijo fraction of the linear prediction.</summary>
    private (double F, bool Moved) LineSearch(double[] x, double f, double[] g, double[] d, double[] trial, double[] gTrial)
    {
        for (var a = 1.0; a > 1e-20; a *= 0.5)
        {
            var predicted = 0.0;
            var moved = false;
            for (var i = 0; i < _n; i++)
            {
                trial[i] = Math.Clamp(x[i] + a * d[i], lower[i], upper[i]);
                predicted += g[i] * (trial[i] - x[i]);
                moved |= trial[i] != x[i];
            }
            if (!moved) return (f, false);
            var fTrial = objective.ValueAndGradient(trial, gTrial);
            if (fTrial <= f + Armijo * predicted && fTrial < f) return (fTrial, true);
        }
        return (f, false);
    }

    private void Remember(double[] x, double[] g, double[] xNew, double[] gNew)
    {
        var s = new double[_n];
        var y = new double[_n];
        for (var i = 0; i < _n; i++)
        {
            s[i] = xNew[i] - x[i];
            y[i] = gNew[i] - g[i];
        }
        var sy = Dot(s, y);
        // Keep only pairs with positive curvature, or the Hessian approximation stops being positive definite.
        if (!(sy > 1e-12 * Norm(s) * Norm(y))) return;
        if (_memory.Count == options.LBfgsMemory) _memory.RemoveAt(0);
        _memory.Add((s, y, 1 / sy));
    }

    private double FreeDot(double[] x, double[] g, double[] a, double[] b)
    {
        var sum = 0.0;
        for (var i = 0; i < _n; i++)
            if (!Held(x, g, i)) sum += a[i] * b[i];
        return sum;
    }

    private void Axpy(double a, double[] v, double[] target, double[] x, double[] g)
    {
        for (var i = 0; i < _n; i++)
            if (!Held(x, g, i)) target[i] += a * v[i];
    }

    private static double Dot(double[] a, double[] b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    private static double Norm(double[] v) => Math.Sqrt(Dot(v, v));

    private OptimizationReport Report(double[] x, double f, int iterations, bool converged, string reason)
    {
        // On failure return the best point seen, which can be better than the last iterate only if NaN intervened.
        if (!converged && objective.BestValue < f)
        {
            x = objective.BestX;
            f = objective.BestValue;
        }
        return new OptimizationReport((double[])x.Clone(), f, iterations, converged,
            objective.FunctionEvaluations, objective.DerivativeEvaluations, objective.HessianEvaluations, reason);
    }
}
