using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;

namespace ExprAD.Tests.Errors;

/// <summary>
/// The input array x passed whole to code ExprAD cannot see into. The derivative flows through that code, so
/// Differentiate must either compute it or refuse with NotSupportedException; a gradient of zeros is silently wrong.
/// </summary>
public class WholeInputTests
{
    /// <summary>A user method over the whole input, with no derivative rule.</summary>
    public static double MyNorm(double[] v) => Math.Sqrt(v.Sum(e => e * e));

    [Fact]
    public void UserMethodTakingTheWholeInputIsRefusedAtDifferentiate()
    {
        Expression<Func<double[], double>> f = x => MyNorm(x);
        var e = Assert.Throws<NotSupportedException>(() => AD.Differentiate(f));
        Assert.Contains("MyNorm", e.Message);
    }

    [Fact]
    public void EnumerableSumOfTheInputIsDifferentiatedOrRefused()
    {
        Expression<Func<double[], double>> f = x => x.Sum();
        WorksOrIsRefused(f, [1, 2, 3], 6, [1, 1, 1]);
    }

    [Fact]
    public void ElementOfAClonedInputIsDifferentiatedOrRefused()
    {
        Expression<Func<double[], double>> f = x => ((double[])x.Clone())[0] * 3;
        WorksOrIsRefused(f, [2, 5], 6, [3, 0]);
    }

    private static void WorksOrIsRefused(Expression<Func<double[], double>> f, double[] x, double value, double[] gradient)
    {
        GradientFunc compiled;
        try
        {
            compiled = AD.Differentiate(f);
        }
        catch (NotSupportedException)
        {
            return;
        }
        var (actualValue, actualGradient) = Numeric.Evaluate(compiled, x);
        Assert.Equal(value, actualValue);
        Numeric.AssertSameValues(gradient, actualGradient, $"gradient of {f}");
    }
}
