using System.Globalization;

namespace ExprAD.Tests.TestSupport;

/// <summary>
/// Reference derivatives by central finite differences, used as an oracle for the AD gradient.
/// </summary>
/// <remarks>
/// <para>
/// Step. h = 1e-6 * max(1, |x|_inf) (relative to the size of the point, so that x + h*v differs from x
/// in about the 6th significant digit of its largest coordinate, never in the last few bits).
/// </para>
/// <para>
/// Error budget of the central difference (f(x+hv) - f(x-hv)) / 2h against the exact directional derivative:
/// truncation h^2/6 * |f'''| plus rounding about eps * M / h, where M is the size of the intermediate values
/// of f (each evaluation of f carries an absolute rounding error of roughly eps * M) and eps = 2.2e-16.
/// The random-expression test samples |x| &lt;= 2 (h &lt;= 2e-6) and skips points whose intermediates exceed
/// M = 1e3, so rounding is about 2.2e-16 * 1e3 / 1e-6 = 2.2e-7 per rounding that matters (a few tens at most, partly
/// cancelling) and truncation is 4e-12/6 * |f'''|, below 1e-8 for |f'''| &lt;= 1e4.
/// </para>
/// <para>
/// Tolerance. |fd - ad| &lt;= 1e-5 * (1 + |ad|): absolute 1e-5 near zero, relative 1e-5 for large derivatives.
/// That is one to two orders of magnitude above the error budget, and five orders below the size of a typical
/// derivative bug (a dropped term, a wrong sign, a factor of 2, a missing chain factor), which changes the
/// result by O(1 + |ad|).
/// </para>
/// <para>
/// Random numbers come from <see cref="Random"/> instances with fixed seeds passed in by the caller, so a
/// failing direction or point reproduces from the seed printed in the failure message.
/// </para>
/// </remarks>
public static class FiniteDifferences
{
    /// <summary>Relative step: h = <see cref="RelativeStep"/> * max(1, |x|_inf).</summary>
    public const double RelativeStep = 1e-6;

    /// <summary>Agreement criterion: |fd - ad| &lt;= <see cref="Tolerance"/> * (1 + |ad|).</summary>
    public const double Tolerance = 1e-5;

    /// <summary>The step for a directional difference at <paramref name="x"/>: 1e-6 * max(1, |x|_inf).</summary>
    public static double Step(double[] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        double norm = 1.0;
        foreach (double xi in x)
        {
            norm = Math.Max(norm, Math.Abs(xi));
        }
        return RelativeStep * norm;
    }

    /// <summary>A direction uniformly distributed on the unit sphere of dimension <paramref name="n"/>.</summary>
    public static double[] RandomUnitDirection(Random rng, int n)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        var v = new double[n];
        double norm2;
        do
        {
            norm2 = 0;
            for (int i = 0; i < n; i++)
            {
                v[i] = Gaussian(rng);
                norm2 += v[i] * v[i];
            }
        }
        while (norm2 < 1e-12);
        double norm = Math.Sqrt(norm2);
        for (int i = 0; i < n; i++)
        {
            v[i] /= norm;
        }
        return v;
    }

    /// <summary>A point with coordinates uniform in [lo, hi].</summary>
    public static double[] RandomPoint(Random rng, int n, double lo, double hi)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var x = new double[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = lo + (hi - lo) * rng.NextDouble();
        }
        return x;
    }

    /// <summary>x + t * v, as a new array.</summary>
    public static double[] Offset(double[] x, double[] v, double t)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] + t * v[i];
        }
        return y;
    }

    /// <summary>Central difference (f(x+hv) - f(x-hv)) / 2h, approximating &lt;grad f(x), v&gt;.</summary>
    public static double Directional(Func<double[], double> f, double[] x, double[] v, double h)
    {
        ArgumentNullException.ThrowIfNull(f);
        double plus = f(Offset(x, v, h));
        double minus = f(Offset(x, v, -h));
        // The step actually taken may differ from h by rounding of x + h*v; the difference is at the
        // level of eps * |x| / h = 1e-10 relative, far below the tolerance, so h is used as is.
        return (plus - minus) / (2 * h);
    }

    /// <summary>
    /// The central difference with step h together with an estimate of its own error, from the same difference
    /// with step 2h: for smooth f, fd(h) = D + c*h^2 + O(h^4) and fd(2h) = D + 4c*h^2 + O(h^4), so
    /// |fd(h) - D| is about |fd(2h) - fd(h)| / 3. Rounding noise also shows up in that difference, so the estimate
    /// covers both error sources. Callers skip points where the oracle itself is not accurate enough
    /// (very steep, fast-oscillating functions) instead of widening the tolerance.
    /// </summary>
    public static (double Fd, double ErrorEstimate) DirectionalWithError(Func<double[], double> f, double[] x, double[] v, double h)
    {
        double fd = Directional(f, x, v, h);
        double fd2 = Directional(f, x, v, 2 * h);
        return (fd, Math.Abs(fd2 - fd) / 3);
    }

    /// <summary>
    /// True when the finite-difference oracle is trustworthy at the level of the tolerance: its estimated error
    /// is at most a tenth of the allowed disagreement.
    /// </summary>
    public static bool OracleIsAccurate(double fd, double errorEstimate) => errorEstimate <= 0.1 * Tolerance * (1 + Math.Abs(fd));

    /// <summary>Per-coordinate central differences, with h_i = 1e-6 * max(1, |x_i|).</summary>
    public static double[] Gradient(Func<double[], double> f, double[] x)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        var g = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            g[i] = Partial(f, x, i);
        }
        return g;
    }

    /// <summary>The step used by <see cref="Partial"/> for coordinate value <paramref name="xi"/>.</summary>
    public static double CoordinateStep(double xi) => RelativeStep * Math.Max(1.0, Math.Abs(xi));

    /// <summary>Central difference in coordinate <paramref name="i"/>, with h = 1e-6 * max(1, |x_i|).</summary>
    public static double Partial(Func<double[], double> f, double[] x, int i)
    {
        double h = CoordinateStep(x[i]);
        var plus = (double[])x.Clone();
        var minus = (double[])x.Clone();
        plus[i] += h;
        minus[i] -= h;
        // Divide by the step actually representable, so that rounding of x_i +- h does not add error.
        return (f(plus) - f(minus)) / (plus[i] - minus[i]);
    }

    /// <summary>|fd - ad| &lt;= 1e-5 * (1 + |ad|); false for NaN on either side.</summary>
    public static bool Agrees(double fd, double ad) => Math.Abs(fd - ad) <= Tolerance * (1 + Math.Abs(ad));

    /// <summary>&lt;a, b&gt;.</summary>
    public static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }
        return s;
    }

    /// <summary>
    /// Asserts that the AD gradient at <paramref name="x"/> agrees with a central difference of
    /// <paramref name="f"/> in a random unit direction drawn from <paramref name="rng"/>.
    /// </summary>
    /// <returns>The AD gradient, for further checks.</returns>
    public static double[] AssertDirectional(GradientFunc gradient, Func<double[], double> f, double[] x, Random rng, string? context = null)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        var g = new double[x.Length];
        gradient(x, g);
        var v = RandomUnitDirection(rng, x.Length);
        double h = Step(x);
        double fd = Directional(f, x, v, h);
        double ad = Dot(g, v);
        if (!Agrees(fd, ad))
        {
            Assert.Fail(Describe("directional", x, g, fd, ad, context) + $" v=[{Format(v)}] h={h.ToString("R", CultureInfo.InvariantCulture)}");
        }
        return g;
    }

    /// <summary>Asserts that every entry of the AD gradient agrees with a per-coordinate central difference.</summary>
    public static void AssertPerCoordinate(GradientFunc gradient, Func<double[], double> f, double[] x, string? context = null)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        var g = new double[x.Length];
        gradient(x, g);
        var fd = Gradient(f, x);
        for (int i = 0; i < x.Length; i++)
        {
            if (!Agrees(fd[i], g[i]))
            {
                Assert.Fail(Describe($"partial {i}", x, g, fd[i], g[i], context) + $" fd gradient=[{Format(fd)}]");
            }
        }
    }

    /// <summary>Round-trippable, culture-invariant list of numbers.</summary>
    public static string Format(double[] values)
        => string.Join(", ", values.Select(d => d.ToString("R", CultureInfo.InvariantCulture)));

    private static string Describe(string what, double[] x, double[] g, double fd, double ad, string? context)
        => $"AD and finite differences disagree ({what}): fd={fd.ToString("R", CultureInfo.InvariantCulture)} " +
           $"ad={ad.ToString("R", CultureInfo.InvariantCulture)} |diff|={Math.Abs(fd - ad):E3} " +
           $"tol={Tolerance * (1 + Math.Abs(ad)):E3} at x=[{Format(x)}] gradient=[{Format(g)}]" +
           (context is null ? "" : " " + context);

    private static double Gaussian(Random rng)
    {
        // Box-Muller; 1 - NextDouble() is in (0, 1], so the logarithm is finite.
        double u1 = 1.0 - rng.NextDouble();
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
