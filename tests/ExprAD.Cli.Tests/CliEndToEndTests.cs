using System.Globalization;
using System.Text.RegularExpressions;

namespace ExprAD.Cli.Tests;

/// <summary>The exprad tool run as a process: output, exit codes, carets under formula errors.</summary>
public class CliEndToEndTests
{
    private static string R(double d) => d.ToString("R", CultureInfo.InvariantCulture);

    [Fact]
    public void TheToolIsBuiltBesideTheTests() => Assert.True(File.Exists(ToolRunner.ToolPath), ToolRunner.ToolPath);

    [Fact]
    public void GradPrintsValueAndGradient()
    {
        var result = ToolRunner.Run("grad", "x^2*sin(y)", "--at", "x=1,y=2");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"value = {R(Math.Sin(2))}", result.Stdout, StringComparison.Ordinal);
        Assert.Matches(RowPattern("x", "1", R(2 * Math.Sin(2))), result.Stdout);
        Assert.Matches(RowPattern("y", "2", R(Math.Cos(2))), result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public void GradOfAVectorFormula()
    {
        var result = ToolRunner.Run("grad", "sum(i, 0, n-2, 100*(x[i+1]-x[i]^2)^2 + (1-x[i])^2)", "--at", "x=1,1,1");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("value = 0", result.Stdout, StringComparison.Ordinal);
        Assert.Matches(RowPattern(@"x\[2\]", "1", "0"), result.Stdout);

        var bare = ToolRunner.Run("grad", "x[0]*x[1] + n", "--at", "3,4");
        Assert.True(bare.ExitCode == 0, bare.ToString());
        Assert.Contains("value = 14", bare.Stdout, StringComparison.Ordinal);
        Assert.Matches(RowPattern(@"x\[0\]", "3", "4"), bare.Stdout);
        Assert.Matches(RowPattern(@"x\[1\]", "4", "3"), bare.Stdout);
    }

    [Fact]
    public void ShowPrintsTheDerivativeAsCSharp()
    {
        var result = ToolRunner.Run("show", "x^2*sin(y)", "--vars", "x,y");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("// x = x[0], y = x[1]", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Math.Cos(", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("gradient[0] =", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("return ", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void ShowOfAVectorFormulaPrintsALoop()
    {
        var result = ToolRunner.Run("show", "sum(i, 0, n-1, x[i]^2)");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("gradient[", result.Stdout, StringComparison.Ordinal);
        Assert.Matches("while|for ", result.Stdout);
    }

    [Fact]
    public void CheckAgreesWithFiniteDifferences()
    {
        var result = ToolRunner.Run("check", "exp(x)*cos(y) + log(1 + x^2)", "--at", "x=0.5,y=1");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("finite difference", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("agree: max error", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckReportsDisagreementWithExitCodeOne()
    {
        // The central difference carries truncation and rounding error (~1e-11 here), so a zero tolerance
        // is never met: the check must say so and fail.
        var result = ToolRunner.Run("check", "sin(x)", "--at", "x=0.3", "--tolerance", "0");
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("DISAGREE", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void AFormulaErrorEchoesTheFormulaWithACaretAndExitsTwo()
    {
        var result = ToolRunner.Run("grad", "x^2 * sine(y)", "--at", "x=1,y=2");
        Assert.True(result.ExitCode == 2, result.ToString());
        var lines = result.Stderr.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal("error: unknown function 'sine' at 6; did you mean 'sin'?", lines[0]);
        Assert.Equal("  x^2 * sine(y)", lines[1]);
        Assert.Equal("  " + new string(' ', 6) + "^", lines[2]);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public void MixingUpTheTwoPointFormsGivesAHint()
    {
        var named = ToolRunner.Run("grad", "x[0]^2", "--at", "x=1");
        Assert.True(named.ExitCode == 2, named.ToString());
        Assert.Contains("hint: x[i] needs a vector formula", named.Stderr, StringComparison.Ordinal);

        var vector = ToolRunner.Run("grad", "a*b", "--at", "1,2");
        Assert.True(vector.ExitCode == 2, vector.ToString());
        Assert.Contains("hint: --at without names", vector.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x +", 3)]
    [InlineData("(x + y", 6)]
    [InlineData("x + y)", 5)]
    [InlineData("z", 0)]
    [InlineData("System.IO.File.Exists(\"x\")", 6)]
    public void CaretSitsUnderTheFaultPosition(string formula, int position)
    {
        var result = ToolRunner.Run("grad", formula, "--at", "x=1,y=2");
        Assert.True(result.ExitCode == 2, result.ToString());
        var lines = result.Stderr.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Contains($"at {position}", lines[0], StringComparison.Ordinal);
        Assert.Equal("  " + formula, lines[1]);
        Assert.Equal(position + 2, lines[2].IndexOf('^', StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("grad", "x")]
    [InlineData("grad", "x", "--at", "x=abc")]
    [InlineData("grad", "x", "--at", "x=1,,2")]
    [InlineData("grad", "x", "--at", "y=1,2")]
    [InlineData("grad", "x", "--at", "sin=1")]
    [InlineData("grad", "x", "--at", "x=1,x=2")]
    [InlineData("grad", "x[5]", "--at", "1,2")]
    [InlineData("frobnicate", "x")]
    [InlineData("grad", "x", "--at", "x=1", "--bogus")]
    [InlineData("check")]
    public void UsageErrorsExitTwoWithAMessage(params string[] args)
    {
        var result = ToolRunner.Run(args);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("error: ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void NoCommandShowsTheHelpAndExitsTwo()
    {
        var result = ToolRunner.Run();
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("grad", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void HelpDocumentsTheCommandsAndThePointSyntax()
    {
        var root = ToolRunner.Run("--help");
        Assert.True(root.ExitCode == 0, root.ToString());
        foreach (string command in new[] { "grad", "show", "check", "hessian", "minimize" })
        {
            Assert.Contains(command, root.Stdout, StringComparison.Ordinal);
        }
        var grad = ToolRunner.Run("grad", "--help");
        Assert.True(grad.ExitCode == 0, grad.ToString());
        Assert.Contains("--at", grad.Stdout, StringComparison.Ordinal);
        Assert.Contains("x=1,2,3", grad.Stdout, StringComparison.Ordinal);
    }

    private static Regex RowPattern(string input, string at, string derivative)
        => new($@"\W{input}\s+\W\s+{Regex.Escape(at)}\s+\W\s+{Regex.Escape(derivative)}\s+\W");
}
