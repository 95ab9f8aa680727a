using System.Linq.Expressions;

namespace ExprAD.Tests.Errors;

/// <summary>
/// LINQ operators that are not lowered to loops are refused with a message that names the operator (the first one of the
/// query that is not lowered, not the reduction that consumes it), lists the operators that are lowered, and says how to
/// write the same thing with them. These used to be refused for a lambda ("a lambda can only be differentiated where it
/// is invoked") or as methods without a derivative rule, which told the user nothing.
/// </summary>
public class LinqRefusalTests
{
    private static readonly double[] Data = [0.5, -1.0, 2.0];

    public static TheoryData<string, Expression<Func<double[], double>>, string, string> Cases => new()
    {
        { "Select with an index after Where", x => x.Where(v => v > 0).Select((v, i) => v * i).Sum(), "Enumerable.Select", "positions are the filter's" },
        { "ToArray after Where", x => x.Where(v => v > 0).ToArray().Sum(), "Enumerable.ToArray", "positions are the filter's" },
        { "Skip over a Zip", x => x.Zip(Data, (a, b) => a * b).Skip(1).Sum(), "Enumerable.Skip", "Enumerable.Range(k, x.Length - k)" },
        { "Take over an indexed Select", x => x.Select((v, i) => v * i).Take(2).Sum(), "Enumerable.Take", "LINQ does not compute the skipped elements" },
        { "SkipLast", x => x.SkipLast(1).Sum(), "Enumerable.SkipLast", "Enumerable.Range(0, x.Length - k)" },
        { "First", x => x.First() * x[1], "Enumerable.First", "x[0], x[x.Length - 1]" },
        { "Last", x => x.Last(), "Enumerable.Last", "x[0], x[x.Length - 1]" },
        { "Any without a predicate", x => x.Select(v => v * v).Any() ? x[0] : x[1], "Enumerable.Any", "Any() without one is x.Length > 0" },
        { "Reverse", x => x.Reverse().Select((v, i) => v * i).Sum(), "Enumerable.Reverse", "x[n - 1 - i]" },
        { "Zip without a result selector", x => x.Zip(Data).Sum(t => t.First * t.Second), "Enumerable.Zip", "x.Zip(y, (a, b) => a * b)" },
        { "ToList between", x => x.Select(v => v * v).ToList().Sum(), "Enumerable.ToList", "Use ToArray()" },
        { "OrderBy", x => x.OrderBy(v => v).Sum(), "Enumerable.OrderBy", "as an Expression.Loop" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void AnOperatorThatIsNotLoweredIsNamedWithItsRewrite(string name, Expression<Func<double[], double>> f, string quoted, string rewrite)
    {
        var error = Assert.Throws<NotSupportedException>(() => AD.Differentiate(f));
        foreach (var fragment in new[] { $"the LINQ call {quoted}(", "lowers to loops Enumerable.Range, Select", rewrite })
            Assert.True(error.Message.Contains(fragment, StringComparison.Ordinal), $"{name}: no '{fragment}' in: {error.Message}");
        Assert.Equal(error.Message, Assert.Throws<NotSupportedException>(() => AD.DirectionalDerivative(f)).Message);
    }

    [Fact]
    public void TheSuggestedRewritesDifferentiate()
    {
        var x = new[] { 0.3, -1.2, 2.5, 0.9 };
        var g = new double[4];
        Assert.Equal(2.5 * 2 + 0.9 * 3, AD.Differentiate(v => v.Select((e, i) => e > 0 ? e * i : 0).Sum())(x, g), 15);
        Assert.Equal([0.0, 0, 2, 3], g);
        Assert.Equal(-1.2 + 2.5 + 0.9, AD.Differentiate(v => Enumerable.Range(1, v.Length - 1).Sum(i => v[i]))(x, g), 15);
        Assert.Equal([0.0, 1, 1, 1], g);
        Assert.Equal(0.3 * 0.5 - 1.2 * -1 + 2.5 * 2, AD.Differentiate(v => v.Zip(Data, (a, b) => a * b).Sum())(x, g), 15);
        Assert.Equal([0.5, -1, 2, 0], g);
    }

    [Fact]
    public void LinqOverCapturedDataThatIsNotLoweredStillRunsAsACall()
    {
        // No derivative passes through it: left as the call it is, as before.
        var f = (Expression<Func<double[], double>>)(x => Data.Skip(1).Sum() * x[0]);
        var g = new double[1];
        Assert.Equal(2.0, AD.Differentiate(f)([2.0], g));
        Assert.Equal([1.0], g);
    }
}
