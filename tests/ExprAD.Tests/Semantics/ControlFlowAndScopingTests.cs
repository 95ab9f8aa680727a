using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;

namespace ExprAD.Tests.Semantics;

/// <summary>
/// Statement-level constructs: void conditionals assigning locals (joins), compound assignments, increments,
/// short-circuit conditions, inlined lambdas and variable scoping, guarded reads, and Math.Pow special cases.
/// Each function is also compiled plainly with <c>f.Compile()</c>; the AD value must agree with it.
/// </summary>
public class ControlFlowAndScopingTests
{
    private static readonly ParameterExpression X = Expression.Parameter(typeof(double[]), "x");

    private static Expression Element(int i) => Expression.ArrayIndex(X, Expression.Constant(i));

    private static Expression C(double d) => Expression.Constant(d);

    private static Expression<Func<double[], double>> Lambda(Expression body) => Expression.Lambda<Func<double[], double>>(body, X);

    private static void AssertExact(Expression<Func<double[], double>> f, double[] x, double expectedValue, params double[] expectedGradient)
    {
        double reference = f.Compile()((double[])x.Clone());
        Numeric.AssertSameValue(expectedValue, reference, "test expectation vs f.Compile() (a test bug)");
        var (value, g) = Numeric.Evaluate(AD.Differentiate(f), x);
        Numeric.AssertSameValue(expectedValue, value, $"value of {f} at [{FiniteDifferences.Format(x)}]");
        Numeric.AssertSameValue(reference, AD.Compile(f)((double[])x.Clone()), "AD.Compile value");
        Numeric.AssertSameValues(expectedGradient, g, $"gradient of {f} at [{FiniteDifferences.Format(x)}]");
    }

    // --- void conditionals that assign locals ---------------------------------------------------------

    [Fact]
    public void IfThenAssigningALocalJoinsWithTheValueBefore()
    {
        // { t = x0; if (x1 > 0) t = t * x1; return t * x2; }
        var t = Expression.Variable(typeof(double), "t");
        var f = Lambda(Expression.Block([t],
            Expression.Assign(t, Element(0)),
            Expression.IfThen(Expression.GreaterThan(Element(1), C(0)), Expression.Assign(t, Expression.Multiply(t, Element(1)))),
            Expression.Multiply(t, Element(2))));
        AssertExact(f, [2, 3, 5], 30, 15, 10, 6);     // taken: t = x0*x1
        AssertExact(f, [2, -3, 5], 10, 5, 0, 2);      // not taken: t = x0
    }

    [Fact]
    public void IfThenElseAssigningDifferentLocalsOnEachSide()
    {
        // { t = x0; u = x1; if (t > u) t = u * t; else u = sin(t); return t * u; }
        var t = Expression.Variable(typeof(double), "t");
        var u = Expression.Variable(typeof(double), "u");
        var sin = typeof(Math).GetMethod(nameof(Math.Sin), [typeof(double)])!;
        var f = Lambda(Expression.Block([t, u],
            Expression.Assign(t, Element(0)),
            Expression.Assign(u, Element(1)),
            Expression.IfThenElse(Expression.GreaterThan(t, u),
                Expression.Assign(t, Expression.Multiply(u, t)),
                Expression.Assign(u, Expression.Call(sin, t))),
            Expression.Multiply(t, u)));
        // x0 > x1: (x1 x0) x1 = x0 x1^2 -> gradient (x1^2, 2 x0 x1)
        AssertExact(f, [3, 2], 12, 4, 12);
        // x0 <= x1: x0 sin(x0) -> gradient (sin x0 + x0 cos x0, 0)
        double a = 0.5;
        var (value, g) = Numeric.Evaluate(AD.Differentiate(f), a, 2);
        Assert.Equal(a * Math.Sin(a), value);
        Numeric.AssertClose([Math.Sin(a) + a * Math.Cos(a), 0], g, 1e-15);
    }

    [Fact]
    public void NestedIfsAssigningTheSameLocal()
    {
        // { t = 1; if (x0 > 0) { t = x1; if (x2 > 0) t = t * x2; } else t = x0 * x0; return t + x0; }
        var t = Expression.Variable(typeof(double), "t");
        var f = Lambda(Expression.Block([t],
            Expression.Assign(t, C(1)),
            Expression.IfThenElse(Expression.GreaterThan(Element(0), C(0)),
                Expression.Block(
                    Expression.Assign(t, Element(1)),
                    Expression.IfThen(Expression.GreaterThan(Element(2), C(0)), Expression.Assign(t, Expression.Multiply(t, Element(2))))),
                Expression.Assign(t, Expression.Multiply(Element(0), Element(0)))),
            Expression.Add(t, Element(0))));
        AssertExact(f, [1, 3, 4], 13, 1, 4, 3);
        AssertExact(f, [1, 3, -4], 4, 1, 1, 0);
        AssertExact(f, [-2, 3, 4], 2, -3, 0, 0);
    }

    [Fact]
    public void ValueUsedInsideAndAfterABranchGetsBothContributions()
    {
        // { p = x0 * x1; t = 0; if (x2 > 0) t = p * p; return t + p; }
        var p = Expression.Variable(typeof(double), "p");
        var t = Expression.Variable(typeof(double), "t");
        var f = Lambda(Expression.Block([p, t],
            Expression.Assign(p, Expression.Multiply(Element(0), Element(1))),
            Expression.Assign(t, C(0)),
            Expression.IfThen(Expression.GreaterThan(Element(2), C(0)), Expression.Assign(t, Expression.Multiply(p, p))),
            Expression.Add(t, p)));
        // p = 6: value 36 + 6; d/dp = 2p + 1 = 13 -> (13 x1, 13 x0, 0)
        AssertExact(f, [2, 3, 1], 42, 39, 26, 0);
        AssertExact(f, [2, 3, -1], 6, 3, 2, 0);
    }

    [Fact]
    public void ConditionalExpressionWithAssignmentsInsideItsBranches()
    {
        // { t = 0; r = x0 > 1 ? (t = x1 * 2) : (t = x1 * x1); return r * t; }
        var t = Expression.Variable(typeof(double), "t");
        var r = Expression.Variable(typeof(double), "r");
        var f = Lambda(Expression.Block([t, r],
            Expression.Assign(t, C(0)),
            Expression.Assign(r, Expression.Condition(Expression.GreaterThan(Element(0), C(1)),
                Expression.Assign(t, Expression.Multiply(Element(1), C(2))),
                Expression.Assign(t, Expression.Multiply(Element(1), Element(1))))),
            Expression.Multiply(r, t)));
        AssertExact(f, [2, 3], 36, 0, 24);      // (2 x1)^2 -> 8 x1
        AssertExact(f, [0, 3], 81, 0, 108);     // x1^4 -> 4 x1^3
    }

    // --- compound assignment and increments on locals ----------------------------------------------------

    [Fact]
    public void CompoundAssignmentsAndIncrementsOnALocal()
    {
        // { t = x0; t += x1; t *= x0; t -= 1; t /= x1; t++; return t; }  = (x0 + x1) x0 / x1
        var t = Expression.Variable(typeof(double), "t");
        var f = Lambda(Expression.Block([t],
            Expression.Assign(t, Element(0)),
            Expression.AddAssign(t, Element(1)),
            Expression.MultiplyAssign(t, Element(0)),
            Expression.SubtractAssign(t, C(1)),
            Expression.DivideAssign(t, Element(1)),
            Expression.PostIncrementAssign(t),
            t));
        // t = (x0^2 + x0 x1 - 1) / x1 + 1; at (2, 4): 11/4 + 1 = 3.75,
        // d/dx0 = (2 x0 + x1) / x1 = 2, d/dx1 = x0 / x1 - (x0^2 + x0 x1 - 1) / x1^2 = -0.1875.
        double x0 = 2, x1 = 4;
        double d0 = (2 * x0 + x1) / x1;
        double d1 = x0 / x1 - (x0 * x1 + x0 * x0 - 1) / (x1 * x1);
        var (value, g) = Numeric.Evaluate(AD.Differentiate(f), x0, x1);
        Assert.Equal(3.75, value);
        Numeric.AssertClose([d0, d1], g, 1e-15);
    }

    [Fact]
    public void PostIncrementValueIsTheOldValue()
    {
        // { t = x0; u = t++; return u * t; } = x0 (x0 + 1)
        var t = Expression.Variable(typeof(double), "t");
        var u = Expression.Variable(typeof(double), "u");
        var f = Lambda(Expression.Block([t, u],
            Expression.Assign(t, Element(0)),
            Expression.Assign(u, Expression.PostIncrementAssign(t)),
            Expression.Multiply(u, t)));
        AssertExact(f, [3], 12, 7);
    }

    // --- short-circuit conditions --------------------------------------------------------------------------

    [Fact]
    public void AndAlsoOrElseAndNotInConditions()
    {
        Expression<Func<double[], double>> f = x => (x[0] > 0 && x[1] > 0) || !(x[2] < 1) ? x[0] * x[1] : x[2] * x[2];
        AssertExact(f, [2, 3, 0], 6, 3, 2, 0);
        AssertExact(f, [2, -3, 0], 0, 0, 0, 0);
        AssertExact(f, [-2, 3, 5], -6, 3, -2, 0);
        AssertExact(f, [-2, 3, 0.5], 0.25, 0, 0, 1);
    }

    [Fact]
    public void ShortCircuitGuardsAnIndexThatWouldBeOutOfRange()
    {
        // x[2] is only read when x has three elements.
        Expression<Func<double[], double>> f = x => x.Length > 2 && x[2] > 0 ? x[2] * x[0] : x[0];
        AssertExact(f, [3, 1, 2], 6, 2, 0, 3);
        AssertExact(f, [3, 1], 3, 1, 0);
        AssertExact(f, [3], 3, 1);
    }

    // --- reads guarded by a condition must not be evaluated when the guard fails ---------------------------

    /// <summary>A captured object with a field, possibly null.</summary>
    public sealed class Holder
    {
        public double Value;
    }

    [Fact]
    public void NullGuardedCapturedFieldIsNotReadWhenNull()
    {
        Holder? h = null;
        Expression<Func<double[], double>> f = x => h == null ? x[0] : h.Value * x[0];
        AssertExact(f, [3], 3, 1);
        h = new Holder { Value = 5 };
        AssertExact(f, [3], 15, 5);
    }

    [Fact]
    public void NullGuardedCapturedArrayLengthIsNotReadWhenNull()
    {
        // data.Length feeds two different operations (an int index and a conversion to double).
        double[]? data = null;
        Expression<Func<double[], double>> f = x => data == null ? x[0] : x[data.Length - 1] * data.Length;
        AssertExact(f, [3, 4], 3, 1, 0);
        data = [1, 2];
        AssertExact(f, [3, 4], 8, 0, 2);
    }

    [Fact]
    public void LengthGuardedCapturedArrayElementIsNotReadWhenAbsent()
    {
        double[] data = [];
        Expression<Func<double[], double>> f = x => data.Length > 0 ? data[0] * x[0] : x[0];
        AssertExact(f, [3], 3, 1);
    }

    // --- inlined lambdas and scoping ------------------------------------------------------------------------

    [Fact]
    public void SameLambdaInvokedInsideItsOwnArgument()
    {
        Expression<Func<double, double>> sq = t => t * t;
        // sq(sq(x0) + x1) = (x0^2 + x1)^2
        var f = Lambda(Expression.Invoke(sq, Expression.Add(Expression.Invoke(sq, Element(0)), Element(1))));
        AssertExact(f, [2, 1], 25, 40, 10);
    }

    [Fact]
    public void InvokedLambdaWithTwoParametersNested()
    {
        Expression<Func<double, double, double>> mul = (a, b) => a * b;
        // mul(mul(x0, x1), x2) and mul(x2, mul(x0, x1))
        var f1 = Lambda(Expression.Invoke(mul, Expression.Invoke(mul, Element(0), Element(1)), Element(2)));
        var f2 = Lambda(Expression.Invoke(mul, Element(2), Expression.Invoke(mul, Element(0), Element(1))));
        AssertExact(f1, [2, 3, 5], 30, 15, 10, 6);
        AssertExact(f2, [2, 3, 5], 30, 15, 10, 6);
    }

    [Fact]
    public void InvokeArgumentReadsAnOuterVariableWithTheSameParameterObject()
    {
        // One ParameterExpression p used by two lambdas, as happens when trees are composed programmatically:
        //   inner = p => p + 1;   outer = p => inner(p * 2);   f = x => outer(x0)
        // Invoke evaluates its arguments in the caller's scope, so inner receives 2 * x0: f = 2 x0 + 1.
        var p = Expression.Parameter(typeof(double), "p");
        var inner = Expression.Lambda<Func<double, double>>(Expression.Add(p, C(1)), p);
        var outer = Expression.Lambda<Func<double, double>>(Expression.Invoke(inner, Expression.Multiply(p, C(2))), p);
        var f = Lambda(Expression.Invoke(outer, Element(0)));
        AssertExact(f, [3], 7, 2);
    }

    [Fact]
    public void InvokedLambdaBodyReadsTheOuterInput()
    {
        // The inlined body refers to x directly (a closure over the outer lambda's parameter).
        var t = Expression.Parameter(typeof(double), "t");
        var scale = Expression.Lambda<Func<double, double>>(Expression.Multiply(t, Element(0)), t);
        var f = Lambda(Expression.Invoke(scale, Element(1)));
        AssertExact(f, [3, 5], 15, 5, 3);
    }

    [Fact]
    public void InnerBlockShadowsAnOuterVariable()
    {
        // { t = x0; r = { var t; t = x1 * 3; t }; return t * r; }: the inner block redeclares the same
        // ParameterExpression t, which shadows the outer one; the outer t is still x0 afterwards.
        var t = Expression.Variable(typeof(double), "t");
        var r = Expression.Variable(typeof(double), "r");
        var f = Lambda(Expression.Block([t, r],
            Expression.Assign(t, Element(0)),
            Expression.Assign(r, Expression.Block([t], Expression.Assign(t, Expression.Multiply(Element(1), C(3))), t)),
            Expression.Multiply(t, r)));
        AssertExact(f, [2, 5], 30, 15, 6);
    }

    [Fact]
    public void VariableReadBeforeAssignmentIsDefaultZero()
    {
        var t = Expression.Variable(typeof(double), "t");
        var f = Lambda(Expression.Block([t], Expression.Add(t, Element(0))));
        AssertExact(f, [4], 4, 1);
    }

    // --- x itself through other shapes ------------------------------------------------------------------------

    [Fact]
    public void LengthReadAsAPropertyMember()
    {
        var f = Lambda(Expression.Multiply(Expression.Convert(Expression.Property(X, "Length"), typeof(double)), Element(0)));
        AssertExact(f, [3, 1], 6, 2, 0);
    }

    [Fact]
    public void InputArrayAliasedThroughALocal()
    {
        // { double[] y = x; return y[0] * y[1]; }
        var y = Expression.Variable(typeof(double[]), "y");
        var f = Lambda(Expression.Block([y], Expression.Assign(y, X),
            Expression.Multiply(Expression.ArrayIndex(y, Expression.Constant(0)), Expression.ArrayIndex(y, Expression.Constant(1)))));
        AssertExact(f, [3, 4], 12, 4, 3);
    }

    [Fact]
    public void ArraySelectedByAConditionalEitherWorksOrIsRefused()
    {
        // (x0 > 0 ? x : data)[1] * 2: when the input array is selected, d/dx1 = 2. A zero gradient would be silently wrong.
        double[] data = [10, 20];
        var dataExpression = Expression.Constant(data);
        var f = Lambda(Expression.Multiply(
            Expression.ArrayIndex(Expression.Condition(Expression.GreaterThan(Element(0), C(0)), X, dataExpression), Expression.Constant(1)),
            C(2)));
        GradientFunc gradient;
        try
        {
            gradient = AD.Differentiate(f);
        }
        catch (NotSupportedException)
        {
            return;   // refusing is fine
        }
        var (value, g) = Numeric.Evaluate(gradient, 1, 7);
        Assert.Equal(14, value);
        Assert.Equal([0.0, 2.0], g);
        (value, g) = Numeric.Evaluate(gradient, -1, 7);
        Assert.Equal(40, value);
        Assert.Equal([0.0, 0.0], g);
    }

    // --- Math.Pow special cases ---------------------------------------------------------------------------------

    [Fact]
    public void PowWithConstantExponentAtZeroAndNegativeBase()
    {
        AssertExact(x => Math.Pow(x[0], 2), [0.0], 0, 0);
        AssertExact(x => Math.Pow(x[0], 2), [-3.0], 9, -6);
        AssertExact(x => Math.Pow(x[0], 3), [-2.0], -8, 12);
        AssertExact(x => Math.Pow(x[0], 3), [0.0], 0, 0);
        AssertExact(x => Math.Pow(x[0], 1), [0.0], 0, 1);
        AssertExact(x => Math.Pow(x[0], 0.5), [0.0], 0, double.PositiveInfinity);
        AssertExact(x => Math.Pow(x[0], -1), [2.0], 0.5, -0.25);
        AssertExact(x => Math.Pow(x[0], 0), [0.0], 1, 0);
    }

    /// <summary>
    /// x^0 is 1 for every x, NaN included: its derivative is 0 in both modes, not 0 * NaN (found by the random formulas:
    /// <c>(prod(i, 0, n-1, asin(x[i])))^0</c> at x = 1.729 had a NaN gradient and a zero directional derivative).
    /// </summary>
    [Fact]
    public void PowToTheZeroHasDerivativeZeroWhereItsBaseIsNaN()
    {
        // The base comes out of a loop, where it is not folded away before differentiation.
        var f = Formula.Parse("(prod(i, 0, n-1, asin(x[i])))^0 + x[1]");
        double[] at = [1.729, 0.5];
        var (value, g) = Numeric.Evaluate(AD.Differentiate(f), at);
        Assert.Equal(1.5, value);
        Assert.Equal([0.0, 1.0], g);
        Assert.Equal(1.0, AD.DirectionalDerivative(f)(at, [1.0, 1.0]));
    }

    [Fact]
    public void PowWithActiveExponent()
    {
        Expression<Func<double[], double>> f = x => Math.Pow(x[0], x[1]);
        var (value, g) = Numeric.Evaluate(AD.Differentiate(f), 2, 3);
        Assert.Equal(8, value);
        Numeric.AssertClose([12, 8 * Math.Log(2)], g, 1e-15);
        // At base 0 the documented limit along the exponent is 0, not 0 * -inf.
        AssertExact(f, [0, 2], 0, 0, 0);
        FiniteDifferences.AssertPerCoordinate(AD.Differentiate(f), f.Compile(), [1.7, -0.6]);
    }

    [Fact]
    public void PowerNodeBehavesLikeMathPow()
    {
        var f = Lambda(Expression.Power(Element(0), C(3)));
        AssertExact(f, [2], 8, 12);
    }
}
