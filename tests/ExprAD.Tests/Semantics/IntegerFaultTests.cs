using System.Linq.Expressions;
using ExprAD.Tests.Loops;
using ExprAD.Tests.TestSupport;

namespace ExprAD.Tests.Semantics;

/// <summary>
/// Integer operations that throw (division and remainder by 0, checked overflow) throw in ExprAD where and when f.Compile()
/// throws, even when nothing reads their value: ExprAD used to drop unused values, and computed a value read once where it
/// was read, so such a fault vanished or the later of two faults was raised first.
/// </summary>
public class IntegerFaultTests
{
    private static readonly ParameterExpression X = Expression.Parameter(typeof(double[]), "x");
    private static readonly ParameterExpression Unused = Expression.Variable(typeof(int), "unused");

    private static Expression Element(int i) => Expression.ArrayIndex(X, Expression.Constant(i));

    /// <summary>The input's length, an int ExprAD cannot fold.</summary>
    private static Expression Length => Expression.ArrayLength(X);

    private static Expression<Func<double[], double>> Lambda(params Expression[] statements)
        => Expression.Lambda<Func<double[], double>>(Expression.Block([Unused], statements), X);

    /// <summary>Every entry point raises <typeparamref name="TException"/>, as f.Compile() does.</summary>
    private static void AssertThrowsLikeCompile<TException>(Expression<Func<double[], double>> f, double[] x) where TException : Exception
    {
        Assert.Throws<TException>(() => f.Compile()(x));
        Assert.Throws<TException>(() => AD.Compile(f)(x));
        Assert.Throws<TException>(() => AD.Differentiate(f)(x, new double[x.Length]));
        Assert.Throws<TException>(() => AD.DirectionalDerivative(f)(x, new double[x.Length]));
        Assert.Throws<TException>(() => AD.Hessian(f)(x, new double[x.Length], new double[x.Length, x.Length]));
        Assert.Throws<TException>(() => AD.HessianVectorProduct(f)(x, new double[x.Length], new double[x.Length]));
    }

    [Fact]
    public void AnUnusedDivisionByZeroThrows()
    {
        // unused = 1 / (n - n); return x0 * x0;
        var f = Lambda(
            Expression.Assign(Unused, Expression.Divide(Expression.Constant(1), Expression.Subtract(Length, Length))),
            Expression.Multiply(Element(0), Element(0)));
        AssertThrowsLikeCompile<DivideByZeroException>(f, [1.5, 2]);
    }

    [Fact]
    public void AnUnusedStatementThatOverflowsThrows()
    {
        // checked(int.MaxValue + n); (a statement whose value is discarded) return x0;
        var f = Lambda(Expression.AddChecked(Expression.Constant(int.MaxValue), Length), Element(0));
        AssertThrowsLikeCompile<OverflowException>(f, [1.5, 2]);
    }

    [Fact]
    public void TwoFaultsRaiseTheFirstOne()
    {
        // unused = checked(-(int.MinValue + n - n));   (overflows first)
        // return x0 * (1 / (n - n));               (divides by zero after)
        var f = Lambda(
            Expression.Assign(Unused, Expression.NegateChecked(Expression.Add(Expression.Constant(int.MinValue), Expression.Subtract(Length, Length)))),
            Expression.Multiply(Element(0), Expression.Convert(
                Expression.Divide(Expression.Constant(1), Expression.Subtract(Length, Length)), typeof(double))));
        AssertThrowsLikeCompile<OverflowException>(f, [1.5, 2]);
    }

    [Fact]
    public void ADivisorThatIsAConstantOtherThanZeroOrMinusOneCannotFault()
    {
        // unused = n / 2 is dropped (it cannot throw), unused = n / 0 and n % -1... are kept: the trees tell.
        var safe = Lambda(Expression.Assign(Unused, Expression.Divide(Length, Expression.Constant(2))), Element(0));
        var byZero = Lambda(Expression.Assign(Unused, Expression.Modulo(Length, Expression.Constant(0))), Element(0));
        Assert.DoesNotContain("/", AD.ToCSharp(AD.GradientExpression(safe)));
        Assert.Contains("%", AD.ToCSharp(AD.GradientExpression(byZero)));
        AssertThrowsLikeCompile<DivideByZeroException>(byZero, [1.0]);
        // int.MinValue % -1 throws OverflowException on x64, as int.MinValue / -1 does.
        var minusOne = Lambda(Expression.Assign(Unused, Expression.Divide(
            Expression.Multiply(Expression.Constant(int.MinValue), Length), Expression.Constant(-1))), Element(0));
        AssertThrowsLikeCompile<OverflowException>(minusOne, [1.0]);
    }

    /// <summary>
    /// s = 0; for (i = 0; i &lt; 3; i++) { s += x_i^3; unused = 1 / (i - (int)x3); } return s: throws when (int)x3 is 0, 1
    /// or 2, exactly at that iteration; otherwise the gradient is exact (the reverse sweep recomputes the division, which
    /// the forward sweep already ran without throwing).
    /// </summary>
    [Fact]
    public void AFaultInALoopThrowsAtItsIterationAndOtherwiseTheGradientIsExact()
    {
        var s = Expression.Variable(typeof(double), "s");
        var f = Expression.Lambda<Func<double[], double>>(Expression.Block([s, Unused],
            Expression.Assign(s, Expression.Constant(0.0)),
            LoopBuilders.For("i", Expression.Constant(0), Expression.Constant(3), i => Expression.Block(
                Expression.AddAssign(s, Expression.Multiply(Expression.ArrayIndex(X, i),
                    Expression.Multiply(Expression.ArrayIndex(X, i), Expression.ArrayIndex(X, i)))),
                Expression.Assign(Unused, Expression.Divide(Expression.Constant(1),
                    Expression.Subtract(i, Expression.Convert(Element(3), typeof(int))))))),
            s), X);
        AssertThrowsLikeCompile<DivideByZeroException>(f, [0.5, -1, 2, 1.0]);
        AssertThrowsLikeCompile<DivideByZeroException>(f, [0.5, -1, 2, 2.7]);

        double[] x = [0.5, -1, 2, 7.0];
        var (value, gradient) = Numeric.Evaluate(AD.Differentiate(f), x);
        Assert.Equal(0.125 - 1 + 8, value);
        Assert.Equal([0.75, 3, 12, 0], gradient);
        Assert.Equal(0.75 + 3 + 12, AD.DirectionalDerivative(f)(x, [1, 1, 1, 1]));
        var hessian = new double[4, 4];
        AD.Hessian(f)(x, new double[4], hessian);
        Assert.Equal([3.0, -6, 12, 0], Enumerable.Range(0, 4).Select(k => hessian[k, k]));
    }

    [Fact]
    public void EqualDivisionsAreComputedOnce()
    {
        // x[n / m] * x[n / m] with m = (int)x1: one division in the gradient's code, and the exact gradient.
        var m = Expression.Convert(Element(1), typeof(int));
        var index = Expression.Divide(Length, m);
        var f = Expression.Lambda<Func<double[], double>>(
            Expression.Multiply(Expression.ArrayIndex(X, index), Expression.ArrayIndex(X, Expression.Divide(Length, m))), X);
        var code = AD.ToCSharp(AD.GradientExpression(f));
        Assert.Equal(1, code.Split(" / ").Length - 1);
        var (value, gradient) = Numeric.Evaluate(AD.Differentiate(f), 3.0, 2.0, 5.0, -1.0);
        Assert.Equal(25.0, value);
        Assert.Equal([0.0, 0, 10, 0], gradient);
        AssertThrowsLikeCompile<DivideByZeroException>(f, [3.0, 0.5, 5.0, -1.0]);
    }
}
