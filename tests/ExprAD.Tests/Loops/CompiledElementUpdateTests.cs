using System.Text.RegularExpressions;
using ExprAD.Compilation;

namespace ExprAD.Tests.Loops;

/// <summary>
/// Compiled-only gradients update array elements through <see cref="ElementUpdates"/> (one index check per update,
/// where an expression tree's <c>a[i] += t</c> checks the index twice); trees that are shown keep plain C#.
/// </summary>
public class CompiledElementUpdateTests
{
    private static readonly System.Linq.Expressions.Expression<Func<double[], double>> Function
        = ScratchRowTests.Components(new double[3, 3], 2, passes: 1);

    [Fact]
    public void CompiledCodeAddsIntoElementsAndTakesAdjointsThroughTheHelpers()
    {
        var compiled = AD.ToCSharp(GradientPipeline.Run(Function, forCompiling: true));
        Assert.Contains("ElementUpdates.Add(gradient, ", compiled, StringComparison.Ordinal);
        Assert.Contains("ElementUpdates.Take(", compiled, StringComparison.Ordinal);
        Assert.DoesNotMatch(new Regex(@"\w+\[\w+\] \+= "), compiled);
        // A read of an element followed by a reset of it is one take.
        Assert.DoesNotMatch(new Regex(@"(\w+) = (\w+\[\w+\]);\s*\n\s*\2 = 0\.0;"), compiled);
    }

    [Fact]
    public void ShownCodeKeepsPlainCompoundAssignments()
    {
        var shown = AD.ToCSharp(AD.GradientExpression(Function));
        Assert.DoesNotContain("ElementUpdates", shown, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"gradient\[\w+\] \+= "), shown);
        Assert.Matches(new Regex(@"(\w+) = (\w+\[\w+\]);\s*\n\s*\2 = 0\.0;"), shown);
    }

    [Fact]
    public void ATakeReturnsTheElementAndLeavesZero()
    {
        var array = new[] { 1.5, -2.0 };
        Assert.Equal(-2.0, ElementUpdates.Take(array, 1));
        Assert.Equal([1.5, 0.0], array);
        Assert.Throws<IndexOutOfRangeException>(() => ElementUpdates.Take(array, 2));
        ElementUpdates.Add(array, 0, 1);
        ElementUpdates.Subtract(array, 1, 3);
        Assert.Equal([2.5, -3.0], array);
    }
}
