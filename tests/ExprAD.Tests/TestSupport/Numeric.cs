using System.Globalization;

namespace ExprAD.Tests.TestSupport;

/// <summary>Small helpers for exact and near comparisons of doubles, and for calling gradient delegates.</summary>
public static class Numeric
{
    /// <summary>The value that <see cref="Evaluate"/> writes into the gradient buffer before the call.</summary>
    public const double Sentinel = 999.0;

    /// <summary>
    /// Calls <paramref name="gradient"/> at <paramref name="x"/> with a gradient buffer pre-filled with
    /// <see cref="Sentinel"/>, so that entries the delegate fails to overwrite are visible.
    /// </summary>
    public static (double Value, double[] Gradient) Evaluate(GradientFunc gradient, params double[] x)
    {
        var g = new double[x.Length];
        Array.Fill(g, Sentinel);
        double value = gradient(x, g);
        return (value, g);
    }

    /// <summary>Same bits, so NaN equals NaN (with the same payload) and 0.0 differs from -0.0.</summary>
    public static bool SameBits(double a, double b) => BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b);

    /// <summary>Equal as numbers, or both NaN (any payload). 0.0 equals -0.0.</summary>
    public static bool SameValue(double a, double b) => a == b || (double.IsNaN(a) && double.IsNaN(b));

    /// <summary>Asserts identical bit patterns.</summary>
    public static void AssertSameBits(double expected, double actual, string? context = null)
    {
        if (!SameBits(expected, actual))
        {
            Assert.Fail($"Expected bits of {R(expected)} (0x{BitConverter.DoubleToInt64Bits(expected):X16}) but got {R(actual)} " +
                        $"(0x{BitConverter.DoubleToInt64Bits(actual):X16}){(context is null ? "" : ": " + context)}");
        }
    }

    /// <summary>Asserts a == b as numbers, treating NaN as equal to NaN.</summary>
    public static void AssertSameValue(double expected, double actual, string? context = null)
    {
        if (!SameValue(expected, actual))
        {
            Assert.Fail($"Expected {R(expected)} but got {R(actual)}{(context is null ? "" : ": " + context)}");
        }
    }

    /// <summary>Asserts an exact element-wise match (NaN equals NaN).</summary>
    public static void AssertSameValues(double[] expected, double[] actual, string? context = null)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (!SameValue(expected[i], actual[i]))
            {
                Assert.Fail($"Entry {i}: expected [{FiniteDifferences.Format(expected)}] but got [{FiniteDifferences.Format(actual)}]" +
                            (context is null ? "" : ": " + context));
            }
        }
    }

    /// <summary>|expected - actual| &lt;= relative * max(1, |expected|), for finite expected.</summary>
    public static void AssertClose(double expected, double actual, double relative, string? context = null)
    {
        if (!(Math.Abs(expected - actual) <= relative * Math.Max(1.0, Math.Abs(expected))))
        {
            Assert.Fail($"Expected {R(expected)} +- {relative:E1} (relative) but got {R(actual)}{(context is null ? "" : ": " + context)}");
        }
    }

    /// <summary>Element-wise <see cref="AssertClose(double, double, double, string?)"/>.</summary>
    public static void AssertClose(double[] expected, double[] actual, double relative, string? context = null)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            AssertClose(expected[i], actual[i], relative, $"entry {i} of [{FiniteDifferences.Format(actual)}]" + (context is null ? "" : ", " + context));
        }
    }

    /// <summary>Round-trip text of a double.</summary>
    public static string R(double d) => d.ToString("R", CultureInfo.InvariantCulture);
}
