namespace ExprAD.Tests.Rules;

/// <summary>
/// Central finite differences in a random unit direction v: (f(x + h v) - f(x - h v)) / 2h against the
/// directional derivative &lt;grad f(x), v&gt;. With h = 1e-5 * max(1, |x|) the truncation error is
/// O(h^2 f''') ~ 1e-10 and the rounding error O(eps |f| / h) ~ 1e-11 for the O(1) functions tested,
/// so 1e-6 relative is a tolerance that a wrong derivative (off by a term) cannot meet.
/// </summary>
public static class DirectionalCheck
{
    public static void AssertMatches(Func<double[], double> f, double[] x, double[] gradient, Random random, string label, double tolerance = 1e-6)
    {
        var direction = RandomUnitVector(random, x.Length);
        var h = 1e-5 * Math.Max(1, x.Max(Math.Abs));
        var plus = x.Select((xi, i) => xi + h * direction[i]).ToArray();
        var minus = x.Select((xi, i) => xi - h * direction[i]).ToArray();
        var finiteDifference = (f(plus) - f(minus)) / (2 * h);
        var directional = gradient.Select((g, i) => g * direction[i]).Sum();
        Assert.True(Math.Abs(finiteDifference - directional) <= tolerance * (1 + Math.Abs(directional)),
            $"{label} at [{string.Join(", ", x.Select(v => v.ToString("R")))}]: AD {directional:R}, finite differences {finiteDifference:R}");
    }

    public static double[] RandomUnitVector(Random random, int n)
    {
        var v = Enumerable.Range(0, n).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var norm = Math.Sqrt(v.Sum(t => t * t));
        return norm < 1e-3 ? RandomUnitVector(random, n) : v.Select(t => t / norm).ToArray();
    }
}
