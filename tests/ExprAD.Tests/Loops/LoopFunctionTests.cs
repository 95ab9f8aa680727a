using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;
using static ExprAD.Tests.Loops.LoopBuilders;
using static ExprAD.Tests.Loops.LoopFunctions;

namespace ExprAD.Tests.Loops;

/// <summary>
/// Whole functions written with Expression.Loop: value bit-identical to f.Compile(), gradient against
/// finite differences in a random direction and against a gradient written by hand (see <see cref="LoopCheck"/>).
/// </summary>
public class LoopFunctionTests
{
    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(10, 3)]
    [InlineData(1000, 4)]
    [InlineData(10000, 5)]
    public void ExtendedRosenbrock(int n, int seed)
    {
        var f = Rosenbrock(Length);
        var x = LoopCheck.RandomPoint(seed, n, -1.2, 1.2);
        Assert.Equal(RosenbrockValue(x), f.Compile()(x));
        LoopCheck.Run(f, x, seed, RosenbrockGradient(x), perCoordinate: n <= 10, context: "Rosenbrock");

        // Near the minimum as well, where the gradient is small and a wrong term stands out.
        var near = LoopCheck.RandomPoint(seed + 100, n, 0.9, 1.1);
        LoopCheck.Run(f, near, seed + 100, RosenbrockGradient(near), perCoordinate: n <= 10, context: "Rosenbrock near 1");
    }

    [Theory]
    [InlineData(StepStyle.CompoundAssign, LoopShape.Guarded)]
    [InlineData(StepStyle.Assign, LoopShape.BreakFirst)]
    [InlineData(StepStyle.AssignConstantFirst, LoopShape.Guarded)]
    [InlineData(StepStyle.PreIncrement, LoopShape.BreakFirst)]
    [InlineData(StepStyle.PostIncrement, LoopShape.BreakFirst)]
    public void RosenbrockWithEveryCounterStyleAndLoopShape(StepStyle style, LoopShape shape)
    {
        var f = Rosenbrock(Length, style, shape);
        var x = LoopCheck.RandomPoint(7, 6, -1.2, 1.2);
        LoopCheck.Run(f, x, 7, RosenbrockGradient(x), perCoordinate: true, context: $"Rosenbrock {style} {shape}");
    }

    [Theory]
    [InlineData(Capture.ConstantArrayAccess, true)]
    [InlineData(Capture.ConstantArrayAccess, false)]
    [InlineData(Capture.ClosureArrayIndex, true)]
    [InlineData(Capture.ClosureArrayIndex, false)]
    public void LogisticRegressionLossOverCapturedData(Capture capture, bool zLocalToIteration)
    {
        var data = DataSet.Random(11, rows: 200, features: 5, classification: true);
        var f = Logistic(data, capture, zLocalToIteration);
        for (var seed = 0; seed < 3; seed++)
        {
            var w = LoopCheck.RandomPoint(20 + seed, 5, -2, 2);
            LoopCheck.Run(f, w, 20 + seed, LogisticGradient(data, w), perCoordinate: true, context: $"logistic {capture} local z {zLocalToIteration}");
        }
    }

    [Fact]
    public void LogisticRegressionValueIsTheLossWrittenInCSharp()
    {
        var data = DataSet.Random(12, rows: 200, features: 5, classification: true);
        var w = LoopCheck.RandomPoint(3, 5, -1, 1);
        double expected = 0;
        for (var i = 0; i < data.Rows; i++)
        {
            double z = 0;
            for (var k = 0; k < data.Features; k++) z += data.A[i, k] * w[k];
            expected += Math.Log(1 + Math.Exp(-data.Y[i] * z));
        }
        var (value, _) = Numeric.Evaluate(AD.Differentiate(Logistic(data, Capture.ClosureArrayIndex, false)), w);
        Numeric.AssertSameBits(expected, value);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void TwoLayerTanhMlpLoss(int seed)
    {
        const int hidden = 4;
        var data = DataSet.Random(30 + seed, rows: 16, features: 3, classification: false);
        var f = Mlp(data, hidden);
        var x = LoopCheck.RandomPoint(seed, hidden * data.Features + 2 * hidden, -1, 1);
        LoopCheck.Run(f, x, seed, MlpGradient(data, hidden, x), perCoordinate: true, context: "MLP");
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(5, 3)]
    [InlineData(40, 4)]
    [InlineData(2000, 5)]
    public void RecurrenceWithSine(int n, int seed)
    {
        var f = Recurrence();
        var x = LoopCheck.RandomPoint(seed, n, 0.8, 1.1);
        Assert.Equal(RecurrenceValue(x), f.Compile()(x));
        LoopCheck.Run(f, x, seed, RecurrenceGradient(x), perCoordinate: n <= 40, context: "recurrence");
    }

    [Theory]
    [InlineData(true, 1, 1)]
    [InlineData(true, 7, 2)]
    [InlineData(true, 100, 3)]
    [InlineData(false, 1, 4)]
    [InlineData(false, 7, 5)]
    [InlineData(false, 100, 6)]
    public void LogSumExpWithTheMaxFromAFirstLoop(bool mathMax, int n, int seed)
    {
        var f = LogSumExp(mathMax);
        var x = LoopCheck.RandomPoint(seed, n, -5, 5);
        var max = x.Max();
        Numeric.AssertClose(max + Math.Log(x.Sum(v => Math.Exp(v - max))), f.Compile()(x), 1e-14);
        // The max's own derivative cancels (d/dm [m + log sum exp(x - m)] = 0), leaving the softmax.
        LoopCheck.Run(f, x, seed, Softmax(x), handTolerance: 1e-12, perCoordinate: n <= 7, context: $"log-sum-exp (Math.Max: {mathMax})");
    }

    [Fact]
    public void LogSumExpOfLargeValuesDoesNotOverflow()
    {
        // The max shift is what makes log-sum-exp safe: exp(800) overflows, exp(800 - 800) does not.
        var f = LogSumExp(mathMax: false);
        double[] x = [800, 799, 798.5];
        LoopCheck.Run(f, x, 9, Softmax(x), handTolerance: 1e-12, context: "log-sum-exp at 800");
    }
}
