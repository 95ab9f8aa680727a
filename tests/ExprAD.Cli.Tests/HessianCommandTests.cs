using static ExprAD.Cli.Tests.ToolOutput;

namespace ExprAD.Cli.Tests;

/// <summary><c>exprad hessian</c>, run as a process, its numbers read back from the output and checked against closed forms.</summary>
public class HessianCommandTests
{
    [Fact]
    public void PrintsValueGradientAndHessianOfANamedFormula()
    {
        // f = x^2 y + sin y: grad (2xy, x^2 + cos y), H = [[2y, 2x], [2x, -sin y]].
        var result = ToolRunner.Run("hessian", "x^2*y + sin(y)", "--at", "x=1,y=2");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Stderr);
        string stdout = result.Stdout;
        AssertClose(2 + Math.Sin(2), Number(stdout, "value"));
        Assert.Equal([1.0, 4.0], NumberRow(stdout, "x"));
        AssertClose(1 + Math.Cos(2), NumberRow(stdout, "y")[1]);

        string hessian = After(stdout, "Hessian");
        Assert.Equal(["x", "y"], Row(hessian, ""));
        AssertRow([4, 2], NumberRow(hessian, "x"));
        AssertRow([2, -Math.Sin(2)], NumberRow(hessian, "y"));
    }

    [Fact]
    public void AVectorFormulaLabelsRowsAndColumnsXi()
    {
        // f = sum x_i^3 + x0 x1: H = diag(6 x_i) plus 1 at (0,1) and (1,0).
        var result = ToolRunner.Run("hessian", "sum(i, 0, n-1, x[i]^3) + x[0]*x[1]", "--at", "1,2,3");
        Assert.True(result.ExitCode == 0, result.ToString());
        string stdout = result.Stdout;
        Assert.Equal(1 + 8 + 27 + 2, Number(stdout, "value"));
        Assert.Equal([2.0, 13.0], NumberRow(stdout, "x[1]"));

        string hessian = After(stdout, "Hessian");
        Assert.Equal(["x[0]", "x[1]", "x[2]"], Row(hessian, ""));
        AssertRow([6, 1, 0], NumberRow(hessian, "x[0]"));
        AssertRow([1, 12, 0], NumberRow(hessian, "x[1]"));
        AssertRow([0, 0, 18], NumberRow(hessian, "x[2]"));
    }

    [Fact]
    public void TheRosenbrockChainHessianIsSymmetricAndMatchesTheClosedForm()
    {
        // f = sum 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2 at (1.2, 1): H00 = 1200 x0^2 - 400 x1 + 2, H01 = -400 x0, H11 = 200.
        var result = ToolRunner.Run("hessian", "sum(i, 0, n-2, 100*(x[i+1]-x[i]^2)^2 + (1-x[i])^2)", "--at", "x=1.2,1");
        Assert.True(result.ExitCode == 0, result.ToString());
        string hessian = After(result.Stdout, "Hessian");
        AssertRow([1200 * 1.44 - 400 + 2, -480], NumberRow(hessian, "x[0]"));
        AssertRow([-480, 200], NumberRow(hessian, "x[1]"));
    }

    [Theory]
    [InlineData("hessian", "x")]
    [InlineData("hessian", "x", "--at", "x=abc")]
    [InlineData("hessian", "x", "--from", "x=1")]
    public void UsageErrorsExitTwo(params string[] args)
    {
        var result = ToolRunner.Run(args);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("error: ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void AFormulaErrorHasACaret()
    {
        var result = ToolRunner.Run("hessian", "x^2 + y*", "--at", "x=1,y=2");
        Assert.True(result.ExitCode == 2, result.ToString());
        var lines = result.Stderr.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Contains("at 8", lines[0], StringComparison.Ordinal);
        Assert.Equal("  x^2 + y*", lines[1]);
        Assert.Equal(2 + 8, lines[2].IndexOf('^', StringComparison.Ordinal));
    }

    private static void AssertRow(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int j = 0; j < expected.Length; j++)
        {
            AssertClose(expected[j], actual[j]);
        }
    }

    private static void AssertClose(double expected, double actual)
        => Assert.True(Math.Abs(expected - actual) <= 1e-12 * (1 + Math.Abs(expected)), $"expected {expected}, got {actual}");
}
