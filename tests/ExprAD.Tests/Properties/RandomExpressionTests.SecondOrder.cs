using CsCheck;
using ExprAD.Tests.TestSupport;

namespace ExprAD.Tests.Properties;

/// <summary>
/// Second order on the same random expressions: forward mode agrees with reverse mode, the Hessian-vector
/// product agrees with a central difference of the (AD) gradient, and the Hessian is exactly symmetric.
/// Points near kinks or branch changes, with large intermediates, or where the difference quotient's own
/// error estimate is too large, are skipped as in the first-order property.
/// </summary>
public partial class RandomExpressionTests
{
    private const int SecondOrderExpressions = 300;

    [Fact]
    public void HessianVectorProductsMatchDifferencesOfTheGradientAndModesAgree()
    {
        var checkedPoints = 0;
        var points = 0;
        CaseGen.Sample(c =>
        {
            var f = c.ToLambda();
            var gradient = AD.Differentiate(f);
            var directional = AD.DirectionalDerivative(f);
            var hvp = AD.HessianVectorProduct(f);
            var hessian = AD.Hessian(f);
            var rng = new Random(c.Seed);
            for (var p = 0; p < 2; p++)
            {
                points++;
                var x = FiniteDifferences.RandomPoint(rng, c.K, -2, 2);
                var v = FiniteDifferences.RandomUnitDirection(rng, c.K);
                var where = $"at x=[{FiniteDifferences.Format(x)}] along [{FiniteDifferences.Format(v)}] for {c}";
                var g = new double[c.K];
                gradient(x, g);
                var reverse = g.Zip(v, (a, b) => a * b).Sum();
                Numeric.AssertClose(reverse, directional(x, v), 1e-10, "forward vs reverse mode " + where);

                var product = new double[c.K];
                hvp(x, v, product);
                var h = new double[c.K, c.K];
                var gh = new double[c.K];
                hessian(x, gh, h);
                for (var i = 0; i < c.K; i++)
                {
                    // The Hessian's gradient comes from forward mode (partials summed in another order): equal to rounding.
                    Numeric.AssertClose(g[i], gh[i], 1e-10, $"Hessian's gradient entry {i} vs reverse mode " + where);
                    for (var j = 0; j < i; j++) Assert.True(h[i, j].Equals(h[j, i]), $"Hessian not symmetric at [{i},{j}] {where}");
                }

                var probe = new Probe();
                Interpret(c.Root, x, c.K, probe);
                var step = 1e-5 * Math.Max(1, x.Max(Math.Abs));
                if (probe.MaxAbs > MaxIntermediate || probe.MinMargin <= KinkMargin
                    || !SameBranches(c, x, v, step, probe) || !SameBranches(c, x, v, 2 * step, probe))
                    continue;
                var fd1 = GradientDifference(gradient, x, v, step);
                var fd2 = GradientDifference(gradient, x, v, 2 * step);
                for (var i = 0; i < c.K; i++)
                {
                    var scale = 1 + Math.Abs(product[i]);
                    if (Math.Abs(fd1[i] - fd2[i]) > 1e-5 * scale) goto nextPoint; // the oracle is not accurate here
                }
                checkedPoints++;
                for (var i = 0; i < c.K; i++)
                    Assert.True(Math.Abs(fd1[i] - product[i]) <= 1e-4 * (1 + Math.Abs(product[i])),
                        $"(Hv)[{i}] = {Numeric.R(product[i])}, differences of the gradient {Numeric.R(fd1[i])} {where}");
                nextPoint:;
            }
        }, iter: SecondOrderExpressions, threads: 1, print: c => c.ToString());
        Assert.True(checkedPoints >= points / 2, $"only {checkedPoints} of {points} points were checked against differences");
    }

    private static double[] GradientDifference(GradientFunc gradient, double[] x, double[] v, double h)
    {
        var plus = new double[x.Length];
        var minus = new double[x.Length];
        gradient(FiniteDifferences.Offset(x, v, h), plus);
        gradient(FiniteDifferences.Offset(x, v, -h), minus);
        return plus.Zip(minus, (a, b) => (a - b) / (2 * h)).ToArray();
    }
}
