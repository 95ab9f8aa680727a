using System.Linq.Expressions;

namespace ExprAD.Optimization.Tests;

public class BoundsTests
{
    private static readonly Expression<Func<double[], double>> Bowl = x => (x[0] - 3) * (x[0] - 3) + (x[1] + 1) * (x[1] + 1) + x[2] * x[2];

    [Fact]
    public void A_minimum_outside_the_box_lands_on_the_boundary_with_the_right_KKT_signs()
    {
        var options = new OptimizationOptions { LowerBounds = [0, 0, -5], UpperBounds = [2, 2, 5] };
        var result = Optimize.Minimize(Bowl, [1, 1, 1], options);
        Assert.True(result.Converged);
        Assert.Equal(2, result.X[0], 1e-8);  // upper bound active
        Assert.Equal(0, result.X[1], 1e-8);  // lower bound active
        Assert.Equal(0, result.X[2], 1e-6);  // free
        var g = new double[3];
        AD.Differentiate(Bowl)(result.X, g);
        Assert.True(g[0] < 0, "at an active upper bound the gradient must point out of the box (f would decrease going up)");
        Assert.True(g[1] > 0, "at an active lower bound the gradient must be positive");
        Assert.Equal(0, g[2], 1e-6);
    }

    [Fact]
    public void Iterates_stay_inside_the_box_and_an_infeasible_start_is_projected()
    {
        var seen = new List<double[]>();
        var progress = new RecordingProgress(p => seen.Add(p.X));
        var options = new OptimizationOptions { LowerBounds = [0, 0, -5], UpperBounds = [2, 2, 5], Progress = progress };
        var result = Optimize.Minimize(Bowl, [10, -10, 1], options);
        Assert.Equal(2, result.X[0], 1e-8);
        foreach (var x in seen.Append(result.X))
            Assert.True(x[0] >= 0 && x[0] <= 2 && x[1] >= 0 && x[1] <= 2, string.Join(", ", x));
    }

    [Fact]
    public void One_sided_bounds_leave_the_other_side_free()
    {
        var result = Optimize.Minimize(Bowl, [0, 0, 0], new OptimizationOptions { LowerBounds = [4, double.NegativeInfinity, double.NegativeInfinity] });
        Assert.Equal(4, result.X[0], 1e-8);
        Assert.Equal(-1, result.X[1], 1e-6);
    }

    [Fact]
    public void Bounds_of_the_wrong_length_or_crossed_are_refused()
    {
        Assert.Throws<ArgumentException>(() => Optimize.Minimize(Bowl, [0, 0, 0], new OptimizationOptions { LowerBounds = [0, 0] }));
        Assert.Throws<ArgumentException>(() => Optimize.Minimize(Bowl, [0, 0, 0], new OptimizationOptions { LowerBounds = [1, 1, 1], UpperBounds = [0, 2, 2] }));
    }
}

public class BoundedRosenbrockTests
{
    [Fact]
    public void Rosenbrock_with_the_minimum_cut_off_ends_on_the_bound()
    {
        Expression<Func<double[], double>> f = x => 100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]) + (1 - x[0]) * (1 - x[0]);
        var result = Optimize.Minimize(f, [-1.2, 1], new OptimizationOptions { LowerBounds = [-2, -2], UpperBounds = [0.5, 2] });
        Assert.True(result.Converged);
        Assert.Equal(0.5, result.X[0], 1e-8);
        Assert.Equal(0.25, result.X[1], 1e-6);
    }

    [Fact]
    public void A_NaN_region_inside_the_box_shrinks_the_step()
    {
        Expression<Func<double[], double>> f = x => x[0] * x[0] - Math.Log(x[0]);
        var result = Optimize.Minimize(f, [5], new OptimizationOptions { LowerBounds = [-10], UpperBounds = [10] });
        Assert.True(result.Converged);
        Assert.Equal(1 / Math.Sqrt(2), result.X[0], 1e-6);
    }

    [Fact]
    public void The_bounded_solver_reports_progress_and_honours_cancellation()
    {
        using var cts = new CancellationTokenSource();
        Expression<Func<double[], double>> f = x => 100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]) + (1 - x[0]) * (1 - x[0]);
        var progress = new RecordingProgress(p => { if (p.Iteration == 4) cts.Cancel(); });
        var options = new OptimizationOptions { LowerBounds = [-2, -2], UpperBounds = [2, 2], Progress = progress, CancellationToken = cts.Token };
        Assert.ThrowsAny<OperationCanceledException>(() => Optimize.Minimize(f, [-1.2, 1], options));
        Assert.Equal([1, 2, 3, 4], progress.Reports.Select(p => p.Iteration));

        var all = new RecordingProgress();
        var result = Optimize.Minimize(f, [-1.2, 1], options with { Progress = all, CancellationToken = default });
        Assert.True(result.Converged);
        Assert.Equal(result.Iterations, all.Reports.Count);
        Assert.Equal(1, result.X[0], 1e-6);
    }
}
