using System.Collections.Concurrent;
using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;

namespace ExprAD.Tests.Semantics;

/// <summary>
/// The documented conventions at kinks, ties and IEEE special values, and the runtime semantics of the
/// compiled delegate (captured variables, computed indices, inline lambdas, thread safety), with exact values.
/// </summary>
public class KinkAndIeeeTests
{
    private static readonly ParameterExpression X = Expression.Parameter(typeof(double[]), "x");

    private static Expression Element(int i) => Expression.ArrayIndex(X, Expression.Constant(i));

    private static Expression<Func<double[], double>> Lambda(Expression body) => Expression.Lambda<Func<double[], double>>(body, X);

    /// <summary>
    /// Differentiates f, evaluates it at x (gradient buffer pre-filled with 999), checks the value against
    /// <c>f.Compile()</c> (same number, or both NaN) and returns value and gradient.
    /// </summary>
    private static (double Value, double[] Gradient) Run(Expression<Func<double[], double>> f, params double[] x)
    {
        var gradient = AD.Differentiate(f);
        var (value, g) = Numeric.Evaluate(gradient, x);
        Numeric.AssertSameValue(f.Compile()((double[])x.Clone()), value, "value vs f.Compile()");
        return (value, g);
    }

    /// <summary>Exact value and gradient (NaN matches NaN; 0.0 matches -0.0).</summary>
    private static void AssertExact(Expression<Func<double[], double>> f, double[] x, double expectedValue, params double[] expectedGradient)
    {
        var (value, g) = Run(f, x);
        Numeric.AssertSameValue(expectedValue, value, $"value of {f} at [{FiniteDifferences.Format(x)}]");
        Numeric.AssertSameValues(expectedGradient, g, $"gradient of {f} at [{FiniteDifferences.Format(x)}]");
    }

    // --- Abs --------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(0.0, 0.0, 0.0)]
    [InlineData(3.0, 3.0, 1.0)]
    [InlineData(-3.0, 3.0, -1.0)]
    [InlineData(double.PositiveInfinity, double.PositiveInfinity, 1.0)]
    [InlineData(double.NegativeInfinity, double.PositiveInfinity, -1.0)]
    [InlineData(double.NaN, double.NaN, double.NaN)]
    public void AbsDerivativeIsSignWithZeroAtZeroAndNaNAtNaN(double x, double value, double derivative)
        => AssertExact(x => Math.Abs(x[0]), [x], value, derivative);

    [Fact]
    public void AbsDerivativeAtNegativeZeroIsZero()
    {
        var (value, g) = Run(x => Math.Abs(x[0]), -0.0);
        Numeric.AssertSameBits(0.0, value);
        Assert.True(g[0] == 0.0, $"derivative {Numeric.R(g[0])}");
    }

    // --- Functions that return one of their arguments, CopySign, IEEE remainder -----------------------------

    [Theory]
    [InlineData(2.0, 2.0, 1.0, 0.0)]     // tie: the first
    [InlineData(-2.0, 2.0, 0.0, 1.0)]    // equal magnitudes: MaxMagnitude returns the positive one, the second
    [InlineData(2.0, -2.0, 1.0, 0.0)]
    [InlineData(-3.0, 2.0, 1.0, 0.0)]
    [InlineData(double.NaN, 2.0, 0.0, 1.0)] // value NaN, as Max's
    public void MaxMagnitudeSendsTheDerivativeToTheArgumentItReturns(double a, double b, double da, double db)
        => AssertExact(x => Math.MaxMagnitude(x[0], x[1]), [a, b], Math.MaxMagnitude(a, b), da, db);

    [Theory]
    [InlineData(double.NaN, 3.0, 0.0, 1.0)] // MaxNumber ignores a NaN: the value and the derivative are the number's
    [InlineData(3.0, double.NaN, 1.0, 0.0)]
    [InlineData(3.0, 3.0, 1.0, 0.0)]
    public void MaxNumberIgnoresNaN(double a, double b, double da, double db)
        => AssertExact(x => double.MaxNumber(x[0], x[1]), [a, b], 3.0, da, db);

    [Theory]
    [InlineData(0.0, 5.0, 0.0, 0.0)]   // a kink of |a|: Abs's convention
    [InlineData(-2.0, 5.0, -1.0, 0.0)]
    [InlineData(-2.0, -5.0, 1.0, 0.0)]
    [InlineData(2.0, -0.0, -1.0, 0.0)]  // the sign of -0 counts
    [InlineData(double.NaN, 1.0, double.NaN, 0.0)]
    public void CopySignHasTheDerivativeOfItsMagnitudeTimesTheChosenSign(double a, double b, double da, double db)
        => AssertExact(x => Math.CopySign(x[0], x[1]), [a, b], Math.CopySign(a, b), da, db);

    [Fact]
    public void IeeeRemainderRoundsTheQuotientToEvenAsTheFunctionDoes()
    {
        // 5 / 2 = 2.5 rounds to 2 (even): 5 - 2 * 2 = 1, d/db = -2; 7 / 2 = 3.5 rounds to 4: -1, d/db = -4.
        AssertExact(x => Math.IEEERemainder(x[0], x[1]), [5.0, 2.0], 1.0, 1.0, -2.0);
        AssertExact(x => Math.IEEERemainder(x[0], x[1]), [7.0, 2.0], -1.0, 1.0, -4.0);
    }

    // --- Max / Min ---------------------------------------------------------------------------------------

    [Fact]
    public void MaxOnATieGivesTheDerivativeToTheFirstArgument()
    {
        AssertExact(x => Math.Max(x[0], x[1]), [1.5, 1.5], 1.5, 1, 0);
        AssertExact(x => Math.Max(x[1], x[0]), [1.5, 1.5], 1.5, 0, 1);
        // The chain rule on top of the tie: d/dx0 of max(2*x0, x1) at a tie is 2.
        AssertExact(x => Math.Max(2 * x[0], x[1]), [1, 2], 2, 2, 0);
    }

    [Fact]
    public void MinOnATieGivesTheDerivativeToTheFirstArgument()
    {
        AssertExact(x => Math.Min(x[0], x[1]), [-2.0, -2.0], -2.0, 1, 0);
        AssertExact(x => Math.Min(x[1], x[0]), [-2.0, -2.0], -2.0, 0, 1);
    }

    [Fact]
    public void MaxAndMinAwayFromATieFollowTheSelectedArgument()
    {
        AssertExact(x => Math.Max(x[0], x[1]), [3, 1], 3, 1, 0);
        AssertExact(x => Math.Max(x[0], x[1]), [1, 3], 3, 0, 1);
        AssertExact(x => Math.Min(x[0], x[1]), [3, 1], 1, 0, 1);
        AssertExact(x => Math.Min(x[0], x[1]), [1, 3], 1, 1, 0);
    }

    // --- Sqrt --------------------------------------------------------------------------------------------

    [Fact]
    public void SqrtDerivativeAtZeroIsPositiveInfinity()
    {
        AssertExact(x => Math.Sqrt(x[0]), [0.0], 0.0, double.PositiveInfinity);
        AssertExact(x => Math.Sqrt(x[0]), [4.0], 2.0, 0.25);
    }

    // --- Floor, Ceiling, Round, Truncate -----------------------------------------------------------------

    [Theory]
    [InlineData(nameof(Math.Floor))]
    [InlineData(nameof(Math.Ceiling))]
    [InlineData(nameof(Math.Round))]
    [InlineData(nameof(Math.Truncate))]
    public void RoundingFunctionsHaveZeroDerivativeEverywhereIncludingIntegers(string name)
    {
        var method = typeof(Math).GetMethod(name, [typeof(double)])!;
        var flat = Lambda(Expression.Call(method, Element(0)));
        // x * r(x): the derivative is exactly r(x) when r contributes 0.
        var product = Lambda(Expression.Multiply(Element(0), Expression.Call(method, Element(0))));
        foreach (double x in (double[])[2.0, -3.0, 0.0, 2.5, -2.5, 0.5, 7.3, -7.3])
        {
            double r = (double)method.Invoke(null, [x])!;
            AssertExact(flat, [x], r, 0.0);
            AssertExact(product, [x], x * r, r);
        }
    }

    // --- Clamp -------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(0.5, 0.0, 1.0, 0.5, 1, 0, 0)]    // inside
    [InlineData(0.0, 0.0, 1.0, 0.0, 1, 0, 0)]    // tie at the lower bound goes to v
    [InlineData(1.0, 0.0, 1.0, 1.0, 1, 0, 0)]    // tie at the upper bound goes to v
    [InlineData(0.3, 0.3, 0.3, 0.3, 1, 0, 0)]    // lo == v == hi goes to v
    [InlineData(-1.0, 0.0, 1.0, 0.0, 0, 1, 0)]   // below: lo
    [InlineData(2.0, 0.0, 1.0, 1.0, 0, 0, 1)]    // above: hi
    public void ClampDerivativeGoesToValueInsideAndAtTiesOtherwiseToTheBound(
        double v, double lo, double hi, double value, double dv, double dlo, double dhi)
        => AssertExact(x => Math.Clamp(x[0], x[1], x[2]), [v, lo, hi], value, dv, dlo, dhi);

    // --- Hypot -------------------------------------------------------------------------------------------

    [Fact]
    public void HypotAtTheOriginHasZeroGradient()
        => AssertExact(x => double.Hypot(x[0], x[1]), [0.0, 0.0], 0.0, 0.0, 0.0);

    [Fact]
    public void HypotAwayFromTheOriginIsTheUnitVector()
    {
        Expression<Func<double[], double>> f = x => double.Hypot(x[0], x[1]);
        var (value, g) = Run(f, -3, 4);
        Assert.Equal(5.0, value);
        Numeric.AssertClose([-0.6, 0.8], g, 1e-15);
        FiniteDifferences.AssertPerCoordinate(AD.Differentiate(f), f.Compile(), [1.25, -0.5]);
    }

    // --- Remainder ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData(7.5, 2.0)]
    [InlineData(-7.5, 2.0)]
    [InlineData(5.0, -1.5)]
    [InlineData(1.0, 3.0)]
    [InlineData(-10.25, -0.5)]
    public void RemainderDerivativesAreOneAndMinusTruncatedQuotient(double a, double b)
        => AssertExact(x => x[0] % x[1], [a, b], a % b, 1.0, -Math.Truncate(a / b));

    // --- Conditionals ------------------------------------------------------------------------------------

    [Theory]
    [InlineData(3.0, 9.0, 6.0)]     // x > 0: x*x
    [InlineData(-2.0, 2.0, -1.0)]   // x <= 0: -x
    [InlineData(0.0, 0.0, -1.0)]    // the test is false at 0: -x
    public void ConditionalGivesTheDerivativeOfTheBranchTaken(double x, double value, double derivative)
        => AssertExact(x => x[0] > 0 ? x[0] * x[0] : -x[0], [x], value, derivative);

    // --- NaN and infinity in the input ---------------------------------------------------------------------

    [Theory]
    [InlineData(double.NaN, 1.0, double.NaN, double.NaN)]
    [InlineData(double.PositiveInfinity, 0.0, double.PositiveInfinity, double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity, 2.0, 2.0, double.NegativeInfinity)]
    public void NaNAndInfiniteInputsPropagateWithoutThrowing(double a, double b, double da, double db)
    {
        Expression<Func<double[], double>> f = x => x[0] * x[1] + Math.Exp(x[0]);
        var gradient = AD.Differentiate(f);
        var (value, g) = Numeric.Evaluate(gradient, a, b);

        double expected = f.Compile()([a, b]);
        if (double.IsNaN(expected))
        {
            Assert.True(double.IsNaN(value), $"expected NaN, got {Numeric.R(value)}");
        }
        else
        {
            Numeric.AssertSameBits(expected, value);
        }
        Numeric.AssertSameBits(AD.Compile(f)([a, b]), value, "gradient delegate vs AD.Compile");
        // d/da = b + exp(a), d/db = a, in IEEE arithmetic.
        Numeric.AssertSameValues([da, db], g);
    }

    // --- Constants and unused inputs: every gradient entry is overwritten ---------------------------------

    [Fact]
    public void ConstantFunctionHasAllZeroGradientAndOverwritesEveryEntry()
        => AssertExact(x => 3.0, [1.0, 2.0, 3.0], 3.0, 0, 0, 0);

    [Fact]
    public void ZeroTimesInputHasZeroGradientAndOverwritesEveryEntry()
        => AssertExact(x => 0 * x[0], [5.0, 6.0], 0.0, 0, 0);

    [Fact]
    public void UnusedInputsGetZeroWhileUsedOnesGetTheirDerivative()
        => AssertExact(x => x[1] * x[1], [5.0, 3.0, 7.0], 9.0, 0, 6, 0);

    [Fact]
    public void GradientBufferIsOverwrittenOnEveryCallNotAccumulated()
    {
        var gradient = AD.Differentiate(x => x[0] * x[1]);
        var g = new double[2];
        gradient([2, 3], g);
        gradient([2, 3], g);
        Assert.Equal([3.0, 2.0], g);
    }

    // --- Captured variables are read at call time ----------------------------------------------------------

    [Fact]
    public void CapturedScalarIsReadAtCallTime()
    {
        double c = 2;
        Expression<Func<double[], double>> f = x => c * x[0];
        var gradient = AD.Differentiate(f);
        var primal = AD.Compile(f);

        var (value, g) = Numeric.Evaluate(gradient, 3.0);
        Assert.Equal(6.0, value);
        Assert.Equal([2.0], g);

        c = 5;
        (value, g) = Numeric.Evaluate(gradient, 3.0);
        Assert.Equal(15.0, value);
        Assert.Equal([5.0], g);
        Assert.Equal(15.0, primal([3.0]));
    }

    [Fact]
    public void CapturedArrayIsReadAtCallTime()
    {
        double[] data = [3, 4];
        Expression<Func<double[], double>> f = x => data[0] * x[0] + data[1] * x[1];
        var gradient = AD.Differentiate(f);

        var (value, g) = Numeric.Evaluate(gradient, 1.0, 2.0);
        Assert.Equal(11.0, value);
        Assert.Equal([3.0, 4.0], g);

        data[0] = 10;   // the contents of the captured array
        (value, g) = Numeric.Evaluate(gradient, 1.0, 2.0);
        Assert.Equal(18.0, value);
        Assert.Equal([10.0, 4.0], g);

        data = [-1, 0.5];   // the captured variable itself
        (value, g) = Numeric.Evaluate(gradient, 1.0, 2.0);
        Assert.Equal(0.0, value);
        Assert.Equal([-1.0, 0.5], g);
    }

    // --- int/double conversions and computed indices -------------------------------------------------------

    [Fact]
    public void IndexComputedFromLength()
    {
        Expression<Func<double[], double>> f = x => x[(int)x.Length - 1] * x[0];
        AssertExact(f, [2.0, 3.0, 5.0], 10.0, 5, 0, 2);
        AssertExact(f, [3.0], 9.0, 6);   // one input: x[0] * x[0]
    }

    [Fact]
    public void LengthConvertedToDouble()
    {
        Expression<Func<double[], double>> f = x => x[x.Length - 1] + (double)x.Length * x[0];
        AssertExact(f, [2.0, 3.0, 5.0, 7.0], 15.0, 4, 0, 0, 1);
        AssertExact(f, [2.0], 4.0, 2);   // one input: x[0] + 1 * x[0]
    }

    [Fact]
    public void ConversionToIntIsPiecewiseConstant()
    {
        // (int)x[0] is a step function: derivative 0 with respect to x[0].
        AssertExact(x => (int)x[0] * x[1], [2.7, 3.0], 6.0, 0, 2);
    }

    [Fact]
    public void IndexComputedFromAnInputValue()
    {
        // The index is data-dependent: the derivative flows into whichever element was read, and none flows
        // through the (piecewise constant) index itself.
        Expression<Func<double[], double>> f = x => x[(int)x[1]] * x[2];
        AssertExact(f, [5.0, 0.0, 3.0], 15.0, 3, 0, 5);
        AssertExact(f, [5.0, 2.7, 3.0], 9.0, 0, 0, 6);
    }

    // --- Invoke of an inline lambda ------------------------------------------------------------------------

    [Fact]
    public void InvokeOfAnInlineLambdaIsDifferentiatedThrough()
    {
        Expression<Func<double, double>> sq = t => t * t;
        var f = Lambda(Expression.Add(Expression.Invoke(sq, Element(0)), Expression.Invoke(sq, Element(1))));
        AssertExact(f, [3.0, -1.5], 11.25, 6, -3);
    }

    // --- Thread safety ---------------------------------------------------------------------------------------

    [Fact]
    public void OneDelegateFromEightThreadsGivesBitIdenticalResults()
    {
        const int threads = 8;
        const int perThread = 10_000;
        Expression<Func<double[], double>> f = x =>
            Math.Sin(x[0] * x[1]) + Math.Exp(Math.Tanh(x[2])) * x[3]
            + Math.Max(x[0], x[2]) + Math.Sqrt(1 + x[1] * x[1]) / (2 + Math.Cos(x[3]));
        var gradient = AD.Differentiate(f);

        // Single-threaded reference first, at points different for every thread and every call.
        var points = new double[threads][][];
        var values = new double[threads][];
        var gradients = new double[threads][][];
        for (int t = 0; t < threads; t++)
        {
            var rng = new Random(1000 + t);
            points[t] = new double[perThread][];
            values[t] = new double[perThread];
            gradients[t] = new double[perThread][];
            for (int i = 0; i < perThread; i++)
            {
                points[t][i] = FiniteDifferences.RandomPoint(rng, 4, -3, 3);
                gradients[t][i] = new double[4];
                values[t][i] = gradient(points[t][i], gradients[t][i]);
            }
        }

        var failures = new ConcurrentQueue<string>();
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            var g = new double[4];
            for (int i = 0; i < perThread; i++)
            {
                double v = gradient(points[t][i], g);
                if (!Numeric.SameBits(values[t][i], v) || !g.Zip(gradients[t][i]).All(p => Numeric.SameBits(p.First, p.Second)))
                {
                    failures.Enqueue($"thread {t} call {i}: value {Numeric.R(v)} vs {Numeric.R(values[t][i])}, " +
                                     $"gradient [{FiniteDifferences.Format(g)}] vs [{FiniteDifferences.Format(gradients[t][i])}]");
                }
            }
        })).ToArray();
        foreach (var w in workers)
        {
            w.Start();
        }
        foreach (var w in workers)
        {
            w.Join();
        }
        Assert.Empty(failures);
    }

    // --- Remaining operators and methods ---------------------------------------------------------------------

    [Fact]
    public void UnaryPlusIsTheIdentity()
    {
        var f = Lambda(Expression.Multiply(Expression.UnaryPlus(Element(0)), Element(1)));
        AssertExact(f, [2.0, -3.0], -6.0, -3, 2);
    }

    [Fact]
    public void FusedMultiplyAddHasTheProductRuleGradient()
    {
        AssertExact(x => Math.FusedMultiplyAdd(x[0], x[1], x[2]), [2.0, 3.0, 4.0], 10.0, 3, 2, 1);
        // The value must be the fused result, not a*b + c rounded twice: 0.1 * 10 - 1 differs in the two.
        var (value, _) = Run(x => Math.FusedMultiplyAdd(x[0], x[1], x[2]), 0.1, 10, -1);
        Numeric.AssertSameBits(Math.FusedMultiplyAdd(0.1, 10, -1), value);
        Assert.NotEqual(0.1 * 10 - 1, value);
    }

    [Fact]
    public void Atan2HasTheStandardGradient()
    {
        Expression<Func<double[], double>> f = x => Math.Atan2(x[0], x[1]);   // atan2(y, x)
        var (value, g) = Run(f, 1.0, 2.0);
        Assert.Equal(Math.Atan2(1.0, 2.0), value);
        // d/dy = x / (x^2 + y^2) = 0.4, d/dx = -y / (x^2 + y^2) = -0.2
        Numeric.AssertClose([0.4, -0.2], g, 1e-15);
        (_, g) = Run(f, -1.0, -2.0);   // third quadrant
        Numeric.AssertClose([-0.4, 0.2], g, 1e-15);
        FiniteDifferences.AssertPerCoordinate(AD.Differentiate(f), f.Compile(), [0.7, -1.3]);
    }

    [Fact]
    public void LogWithBaseHasTheQuotientRuleGradient()
    {
        Expression<Func<double[], double>> f = x => Math.Log(x[0], x[1]);
        double a = 3, b = 2;
        var (value, g) = Run(f, a, b);
        Assert.Equal(Math.Log(a, b), value);
        double lnB = Math.Log(b);
        Numeric.AssertClose([1 / (a * lnB), -Math.Log(a) / (b * lnB * lnB)], g, 1e-14);
        FiniteDifferences.AssertPerCoordinate(AD.Differentiate(f), f.Compile(), [5.5, 1.7]);
    }

    [Fact]
    public void CbrtHasDerivativeOneThirdOfCubeRootSquaredInverse()
    {
        Expression<Func<double[], double>> f = x => Math.Cbrt(x[0]);
        foreach (double x in (double[])[8.0, -8.0])
        {
            // Even in x: 1 / (3 * cbrt(x)^2) = 1/12 at both 8 and -8 (a Pow(x, -2/3) formula would give NaN at -8).
            var (value, g) = Run(f, x);
            Assert.Equal(Math.Cbrt(x), value);
            Numeric.AssertClose(1.0 / 12, g[0], 1e-15, $"at {x}");
        }
        FiniteDifferences.AssertPerCoordinate(AD.Differentiate(f), f.Compile(), [0.37]);
    }

    [Fact]
    public void SignHasDerivativeZero()
    {
        AssertExact(x => Math.Sign(x[0]), [-2.5], -1.0, 0);
        AssertExact(x => Math.Sign(x[0]), [0.0], 0.0, 0);
        AssertExact(x => Math.Sign(x[0]) * x[0], [-3.0], 3.0, -1);
        AssertExact(x => Math.Sign(x[0]) * x[0], [4.0], 4.0, 1);
    }

    [Fact]
    public void RemainderOperatorCombinesWithOtherTerms()
    {
        Expression<Func<double[], double>> f = x => x[0] * x[1] % 4.0 + x[1];
        // x0*x1 = 10.5; 10.5 % 4 = 2.5; d/dx0 = x1, d/dx1 = x0 + 1
        AssertExact(f, [3.0, 3.5], 6.0, 3.5, 4.0);
        FiniteDifferences.AssertPerCoordinate(AD.Differentiate(f), f.Compile(), [1.3, 2.2]);
    }
}
