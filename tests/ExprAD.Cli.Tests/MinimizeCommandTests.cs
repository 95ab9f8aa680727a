using static ExprAD.Cli.Tests.ToolOutput;

namespace ExprAD.Cli.Tests;

/// <summary><c>exprad minimize</c>, run as a process: the point reached read back from its table, and its exit codes.</summary>
public class MinimizeCommandTests
{
    private const string Rosenbrock = "100*(y-x^2)^2 + (1-x)^2";

    [Theory]
    [InlineData(null, "L-BFGS")]
    [InlineData("lbfgs", "L-BFGS")]
    [InlineData("bfgs", "BFGS")]
    [InlineData("newton", "Newton (exact AD Hessian)")]
    [InlineData("Newton", "Newton (exact AD Hessian)")]
    public void EveryMethodTakesRosenbrockToItsMinimum(string? method, string name)
    {
        string[] args = ["minimize", Rosenbrock, "--from", "x=-1.2,y=1"];
        var result = ToolRunner.Run(method is null ? args : [.. args, "--method", method]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Stderr);
        string stdout = result.Stdout;
        Assert.Equal(name, Line(stdout, "method"));
        // Cells: from, reached.
        Assert.Equal(-1.2, NumberRow(stdout, "x")[0]);
        Assert.Equal(1, NumberRow(stdout, "x")[1], 1e-5);
        Assert.Equal(1, NumberRow(stdout, "y")[1], 1e-5);
        Assert.True(Number(stdout, "value") < 1e-10, stdout);
        Assert.Equal("yes", Line(stdout, "converged"));
        Assert.True(int.Parse(Line(stdout, "iterations"), System.Globalization.CultureInfo.InvariantCulture) > 0, stdout);
        Assert.Matches(@"^\d+ value only, \d+ with gradient, \d+ with gradient and Hessian$", Line(stdout, "evaluations"));
        Assert.NotEqual("", Line(stdout, "stop reason"));
    }

    [Fact]
    public void NewtonCountsHessianEvaluations()
    {
        var result = ToolRunner.Run("minimize", Rosenbrock, "--from", "x=-1.2,y=1", "--method", "newton");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"^\d+ value only, 0 with gradient, [1-9]\d* with gradient and Hessian$", Line(result.Stdout, "evaluations"));
    }

    [Fact]
    public void AnUpperBoundBelowTheMinimumHoldsItOnTheBoundary()
    {
        // With x <= 0.5 the minimum of Rosenbrock is at x = 0.5 (on the bound), y = x^2 = 0.25.
        var result = ToolRunner.Run("minimize", Rosenbrock, "--from", "x=-1.2,y=1", "--upper", "x=0.5");
        Assert.True(result.ExitCode == 0, result.ToString());
        string stdout = result.Stdout;
        Assert.Equal("projected L-BFGS (bounds)", Line(stdout, "method"));
        // Cells: from, lower, upper, reached; y was not named, so it is unbounded.
        Assert.Equal(["-1.2", "-Infinity", "0.5", "0.5"], Row(stdout, "x"));
        Assert.Equal(["-Infinity", "Infinity"], Row(stdout, "y")[1..3]);
        Assert.Equal(0.25, NumberRow(stdout, "y")[3], 1e-5);
        Assert.Equal(0.25, Number(stdout, "value"), 1e-8);
        Assert.Equal("yes", Line(stdout, "converged"));
    }

    [Fact]
    public void BoundsOnBothSidesPinEachVariable()
    {
        // (x-2)^2 + (y+1)^2 has its minimum at (2, -1); x <= 1 and y >= 0 move it to the corner (1, 0).
        var result = ToolRunner.Run("minimize", "(x-2)^2 + (y+1)^2", "--from", "x=0,y=0", "--upper", "x=1", "--lower", "y=0");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(1, NumberRow(result.Stdout, "x")[3]);
        Assert.Equal(0, NumberRow(result.Stdout, "y")[3]);
        Assert.Equal(2, Number(result.Stdout, "value"), 1e-12);
    }

    [Fact]
    public void VectorFormulasTakeBoundsByIndexOrOnePerInput()
    {
        // sum (x_i - i)^2 has its minimum at (0, 1, 2); x[2] >= 3 moves the last coordinate to 3.
        const string formula = "sum(i, 0, n-1, (x[i]-i)^2)";
        var named = ToolRunner.Run("minimize", formula, "--from", "5,5,5", "--lower", "x[2]=3");
        Assert.True(named.ExitCode == 0, named.ToString());
        Assert.Equal(0, NumberRow(named.Stdout, "x[0]")[3], 1e-6);
        Assert.Equal(1, NumberRow(named.Stdout, "x[1]")[3], 1e-6);
        Assert.Equal(3, NumberRow(named.Stdout, "x[2]")[3]);

        var all = ToolRunner.Run("minimize", formula, "--from", "5,5,5", "--lower", "1.5,1.5,1.5");
        Assert.True(all.ExitCode == 0, all.ToString());
        Assert.Equal(1.5, NumberRow(all.Stdout, "x[0]")[3]);
        Assert.Equal(1.5, NumberRow(all.Stdout, "x[1]")[3]);
        Assert.Equal(2, NumberRow(all.Stdout, "x[2]")[3], 1e-6);
    }

    [Theory]
    [InlineData("lbfgs")]
    [InlineData("bfgs")]
    [InlineData("newton")]
    public void StoppingAtTheIterationLimitExitsOne(string method)
    {
        var result = ToolRunner.Run("minimize", Rosenbrock, "--from", "x=-1.2,y=1", "--method", method, "--max-iterations", "1");
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal("no", Line(result.Stdout, "converged"));
        Assert.Equal("iteration limit (1) reached", Line(result.Stdout, "stop reason"));
        Assert.Equal("1", Line(result.Stdout, "iterations"));
        Assert.True(Number(result.Stdout, "value") > 1e-3, result.Stdout);
    }

    [Fact]
    public void AnObjectiveThatIsNotFiniteAtTheStartExitsOne()
    {
        var result = ToolRunner.Run("minimize", "log(x)", "--from", "x=-1");
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal("no", Line(result.Stdout, "converged"));
    }

    [Theory]
    [InlineData("minimize", Rosenbrock)]
    [InlineData("minimize", Rosenbrock, "--at", "x=1,y=1")]
    [InlineData("minimize", Rosenbrock, "--from", "x=1,y=abc")]
    [InlineData("minimize", Rosenbrock, "--from", "x=1,y=1", "--method", "sgd")]
    [InlineData("minimize", Rosenbrock, "--from", "x=1,y=1", "--max-iterations", "-1")]
    [InlineData("minimize", Rosenbrock, "--from", "x=1,y=1", "--max-iterations", "many")]
    [InlineData("minimize", Rosenbrock, "--from", "x=1,y=1", "--lower", "z=0")]
    [InlineData("minimize", Rosenbrock, "--from", "x=1,y=1", "--lower", "x=0,x=1")]
    [InlineData("minimize", Rosenbrock, "--from", "x=1,y=1", "--lower", "0,0,0")]
    [InlineData("minimize", Rosenbrock, "--from", "x=1,y=1", "--lower", "x=2", "--upper", "x=1")]
    [InlineData("minimize", Rosenbrock, "--from", "x=1,y=1", "--upper", "x=2", "--method", "newton")]
    [InlineData("minimize", "x[3]", "--from", "1,2")]
    public void UsageErrorsExitTwoWithAMessage(params string[] args)
    {
        var result = ToolRunner.Run(args);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("error: ", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public void AMissingStartingPointSaysHowToGiveOne()
    {
        var result = ToolRunner.Run("minimize", Rosenbrock);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("--from x=1,y=2", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void ABadMethodNameListsTheMethods()
    {
        var result = ToolRunner.Run("minimize", Rosenbrock, "--from", "x=1,y=1", "--method", "gradient-descent");
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("lbfgs, bfgs or newton", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void AMalformedFormulaIsEchoedWithACaret()
    {
        var result = ToolRunner.Run("minimize", "100*(y-x^2)^2 + (1-x^2", "--from", "x=-1.2,y=1");
        Assert.True(result.ExitCode == 2, result.ToString());
        var lines = result.Stderr.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.StartsWith("error: unexpected end of formula at 22", lines[0], StringComparison.Ordinal);
        Assert.Equal("  100*(y-x^2)^2 + (1-x^2", lines[1]);
        Assert.Equal(2 + 22, lines[2].IndexOf('^', StringComparison.Ordinal));
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public void MixingUpThePointFormsHintsWithFrom()
    {
        var result = ToolRunner.Run("minimize", "x[0]^2", "--from", "x=1,y=2");
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("hint: x[i] needs a vector formula: give the vector as --from 1,2,3", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void HelpDescribesTheOptions()
    {
        var result = ToolRunner.Run("minimize", "--help");
        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (string option in new[] { "--from", "--method", "--max-iterations", "--lower", "--upper", "newton" })
        {
            Assert.Contains(option, result.Stdout, StringComparison.Ordinal);
        }
    }
}
