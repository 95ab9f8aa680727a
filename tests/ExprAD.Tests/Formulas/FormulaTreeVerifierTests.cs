using System.Linq.Expressions;
using ExprAD.Formulas;

namespace ExprAD.Tests.Formulas;

/// <summary>
/// The second line of defence on its own: what Dynamic LINQ would build from text that slipped past the
/// text checks is refused by the whitelist verifier; Dynamic LINQ's own errors become FormulaExceptions.
/// </summary>
public class FormulaTreeVerifierTests
{
    private static readonly ParameterExpression X = Expression.Parameter(typeof(double[]), "x");
    private static readonly ParameterExpression V = Expression.Parameter(typeof(double), "v0");

    private static Expression ParseUnchecked(string canonical)
        => DynamicLinqFrontEnd.Parse(new CanonicalText(canonical, [], [], []), [X, V], typeof(object));

    [Theory]
    [InlineData("DateTime.Now.Ticks")]
    [InlineData("Convert.ToDouble(\"1\")")]
    [InlineData("\"abc\".Length")]
    [InlineData("Guid.NewGuid()")]
    [InlineData("TimeSpan.FromSeconds(v0).TotalSeconds")]
    [InlineData("Math.PI")]
    [InlineData("x.Length")]
    [InlineData("Math.Round(v0, 2)")]
    [InlineData("Math.BigMul(2, 3)")]
    [InlineData("Math.Max(1, 2)")]
    [InlineData("x.Sum()")]
    public void WhatDynamicLinqReachesByDefaultIsRefused(string canonical)
    {
        // Dynamic LINQ parses these (it reaches its predefined types whatever the configuration)...
        var parsed = ParseUnchecked(canonical);
        // ...and the verifier refuses them.
        Assert.Throws<FormulaException>(() => FormulaTreeVerifier.VerifyParsed(parsed, new HashSet<ParameterExpression> { X, V }, X));
    }

    [Fact]
    public void DynamicLinqParseErrorsBecomeFormulaExceptions()
    {
        var e = Assert.Throws<FormulaException>(() => ParseUnchecked("v0 + "));
        Assert.InRange(e.Position, 0, 5);
        Assert.Throws<FormulaException>(() => ParseUnchecked("new System.Text.StringBuilder()"));
        Assert.Throws<FormulaException>(() => ParseUnchecked("NoSuchThing(1)"));
    }

    [Fact]
    public void HandBuiltTreesOutsideTheWhitelistAreRefused()
    {
        var allowed = new HashSet<ParameterExpression> { X };
        var other = Expression.Parameter(typeof(double[]), "other");
        Expression[] refused =
        [
            Expression.Constant("text"),
            Expression.Constant(1f),
            Expression.Property(null, typeof(DateTime), nameof(DateTime.Now)),
            Expression.New(typeof(object)),
            Expression.Call(typeof(Console).GetMethod(nameof(Console.WriteLine), Type.EmptyTypes)!),
            Expression.ArrayIndex(other, Expression.Constant(0)),
            Expression.Invoke(Expression.Lambda<Func<double>>(Expression.Constant(1.0))),
            Expression.Convert(Expression.Constant(1.0), typeof(int)),
            Expression.Modulo(Expression.Constant(1.0), Expression.Constant(2.0)),
            V,
        ];
        foreach (var node in refused)
        {
            Assert.Throws<FormulaException>(() => FormulaTreeVerifier.VerifyParsed(node, allowed, X));
        }
        // Loops are for the assembled tree only.
        var done = Expression.Label();
        Assert.Throws<FormulaException>(() => FormulaTreeVerifier.VerifyParsed(Expression.Loop(Expression.Break(done), done), allowed, X));
    }
}
