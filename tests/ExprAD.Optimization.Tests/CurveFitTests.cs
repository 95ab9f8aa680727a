namespace ExprAD.Optimization.Tests;

public class CurveFitTests
{
    [Fact]
    public void Exponential_decay_parameters_are_recovered_from_noisy_data()
    {
        // y = a exp(-k t) + c with a = 5, k = 0.7, c = 1, plus deterministic noise of amplitude 0.01.
        const double a = 5, k = 0.7, c = 1;
        var t = Enumerable.Range(0, 60).Select(i => i * 0.1).ToArray();
        var y = t.Select((ti, i) => a * Math.Exp(-k * ti) + c + 0.01 * Math.Sin(12.9898 * i)).ToArray();

        var fit = Optimize.CurveFit((ti, p) => p[0] * Math.Exp(-p[1] * ti) + p[2], t, y, [1, 1, 0]);

        Assert.True(fit.Converged);
        Assert.Equal(a, fit.X[0], 0.02);
        Assert.Equal(k, fit.X[1], 0.01);
        Assert.Equal(c, fit.X[2], 0.02);
        Assert.True(fit.Value < 0.5 * 60 * 0.01 * 0.01, $"0.5 * SSR = {fit.Value}");
    }

    [Fact]
    public void A_model_that_fits_exactly_gives_a_zero_residual()
    {
        var t = Enumerable.Range(1, 20).Select(i => (double)i).ToArray();
        var y = t.Select(ti => 2 * Math.Sin(0.3 * ti) + 0.5 * ti).ToArray();
        var fit = Optimize.CurveFit((ti, p) => p[0] * Math.Sin(p[1] * ti) + p[2] * ti, t, y, [1.5, 0.28, 0.4]);
        Assert.Equal(2, fit.X[0], 1e-6);
        Assert.Equal(0.3, fit.X[1], 1e-8);
        Assert.Equal(0.5, fit.X[2], 1e-8);
        Assert.True(fit.Value < 1e-16);
    }

    [Fact]
    public void Mismatched_or_non_finite_data_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Optimize.CurveFit((ti, p) => p[0] * ti, [1, 2], [1], [1]));
        Assert.Throws<ArgumentException>(() => Optimize.CurveFit((ti, p) => p[0] * ti, [1, double.NaN], [1, 2], [1]));
        Assert.Throws<ArgumentNullException>(() => Optimize.CurveFit((ti, p) => p[0] * ti, null!, [1], [1]));
    }
}
