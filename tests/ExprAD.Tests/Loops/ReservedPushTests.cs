using System.Linq.Expressions;
using System.Text.RegularExpressions;
using ExprAD.Compilation;
using ExprAD.Tests.TestSupport;
using static ExprAD.Tests.Loops.LoopBuilders;
using static ExprAD.Tests.Loops.LoopFunctions;

namespace ExprAD.Tests.Loops;

/// <summary>
/// Pushes inside counted loops go unchecked into room reserved before the loop (<see cref="Tape.ReserveForLoop"/>).
/// A reservation one value short would make some call throw IndexOutOfRangeException exactly when the tape it
/// starts with is full at that point; so every function here runs on fresh tapes of every small capacity, and
/// each must give the bits of the gradient computed with the default tape.
/// </summary>
public class ReservedPushTests
{
    private const string UncheckedPush = "tape._values[tape._count++] = ";

    private static readonly DataSet MlpData = DataSet.Random(7, rows: 9, features: 3, classification: false);

    /// <summary>Each function with the point it is differentiated at; every one pushes inside a counted loop but the last.</summary>
    public static TheoryData<string> Functions => ["mlp", "dot products kept", "log-sum-exp", "recurrence", "branches", "nested recurrence", "while"];

    private static (Expression<Func<double[], double>> F, double[] X) Function(string name) => name switch
    {
        // Op results pushed (tanh of each hidden unit) in the hidden loop, nested in the rows loop.
        "mlp" => (Mlp(MlpData, hidden: 4), LoopCheck.RandomPoint(3, 4 * 3 + 4 + 4, -0.5, 0.5)),
        // The hidden loop pushes each unit's dot product after its loop ends (the nested loop's after-values).
        "dot products kept" => (DotProductsKept(), LoopCheck.RandomPoint(9, 4 * 3 + 4, -0.5, 0.5)),
        // The max loop pushes its carried head in every iteration and once more in the one that exits.
        "log-sum-exp" => (LogSumExp(mathMax: true), LoopCheck.RandomPoint(4, 40, -1, 1)),
        "recurrence" => (Recurrence(), LoopCheck.RandomPoint(5, 60, 0.5, 1.0)),
        "branches" => (Branches(), LoopCheck.RandomPoint(6, 50, -1, 1)),
        "nested recurrence" => (NestedRecurrence(), LoopCheck.RandomPoint(7, 12, 0.5, 1.0)),
        "while" => (DataDependentWhile(), LoopCheck.RandomPoint(8, 7, 0.1, 0.9)),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary><c>for (i..n) if (x[i] &gt; 0) s = s sin(x[i]) + x[i]; else s = tanh(s) x[i] - 0.1 s^2;</c>: the head pushed, branches recomputed.</summary>
    private static Expression<Func<double[], double>> Branches()
    {
        var s = Double("s");
        var loop = For("i", I(0), Length, i => Expression.IfThenElse(Expression.GreaterThan(Xi(i), C(0)),
            Expression.Assign(s, Add(Mul(s, Sin(Xi(i))), Xi(i))),
            Expression.Assign(s, Sub(Mul(Tanh(s), Xi(i)), Mul(C(0.1), Square(s))))));
        return Lambda(Expression.Block([s], Expression.Assign(s, C(0.5)), loop, s));
    }

    /// <summary>
    /// <c>for (r..9) { o = 0; for (j..4) { pre = sum_k x[3j + k] data[r, k]; o += x[12 + j] tanh(pre) pre; } loss += (o - 0.2)^2; }</c>:
    /// the hidden loop's reverse needs each pre, so the dot product's value is pushed after its loop.
    /// </summary>
    private static Expression<Func<double[], double>> DotProductsKept()
    {
        var data = Expression.Constant(MlpData.A);
        var loss = Double("loss");
        var output = Double("output");
        var pre = Double("pre");
        var rows = For("r", I(0), I(MlpData.Rows), r => Expression.Block(typeof(void), [output],
            Expression.Assign(output, C(0)),
            For("j", I(0), I(4), j => Expression.Block(typeof(void), [pre],
                Expression.Assign(pre, C(0)),
                For("k", I(0), I(3), k => Expression.AddAssign(pre, Mul(Xi(Add(Expression.Multiply(j, I(3)), k)), Expression.ArrayIndex(data, r, k)))),
                Expression.AddAssign(output, Mul(Mul(Xi(Add(j, I(12))), Tanh(pre)), pre)))),
            Expression.AddAssign(loss, Square(Sub(output, C(0.2))))));
        return Lambda(Expression.Block([loss], Expression.Assign(loss, C(0)), rows, loss));
    }

    /// <summary>A recurrence in an inner loop whose state the outer loop carries on: pushes at both levels.</summary>
    private static Expression<Func<double[], double>> NestedRecurrence()
    {
        var s = Double("s");
        var t = Double("t");
        var loop = For("i", I(0), Length, i => Expression.Block(typeof(void), [t],
            Expression.Assign(t, Sin(s)),
            For("k", I(0), I(5), k => Expression.Assign(t, Add(Mul(C(0.5), Mul(t, Xi(Expression.Modulo(Add(i, k), Length)))), Mul(C(0.3), Tanh(t))))),
            Expression.Assign(s, Add(Mul(s, C(0.5)), Mul(t, t)))));
        return Lambda(Expression.Block([s], Expression.Assign(s, Xi(0)), loop, s));
    }

    /// <summary><c>s = x[0]; k = 0; while (s &lt; 8 &amp;&amp; k &lt; 200) { s = 1.3 s + 0.1 + sin(s) x[k % n]^2 / 10; k++; }</c>: no trip count before the loop.</summary>
    private static Expression<Func<double[], double>> DataDependentWhile()
    {
        var s = Double("s");
        var k = Int("k");
        var step = Add(Add(Mul(C(1.3), s), C(0.1)), Mul(C(0.1), Mul(Sin(s), Square(Xi(Expression.Modulo(k, Length))))));
        var loop = While(Expression.AndAlso(Expression.LessThan(s, C(8)), Expression.LessThan(k, I(200))),
            Statements(Expression.Assign(s, step), Expression.PostIncrementAssign(k)));
        return Lambda(Expression.Block([s, k], Expression.Assign(s, Xi(0)), Expression.Assign(k, I(0)), loop, s));
    }

    [Theory]
    [MemberData(nameof(Functions))]
    public void EveryStartingTapeCapacityGivesTheSameGradient(string name)
    {
        var (f, x) = Function(name);
        var gradient = AD.Differentiate(f);
        var expected = new double[x.Length];
        var expectedValue = gradient(x, expected);
        LoopCheck.Run(f, gradient, x, seed: 9);

        LoopTapeTests.OnFreshThread(() =>
        {
            for (var capacity = 1; capacity <= 80; capacity++)
            {
                Tape.CacheFreshTapeOnThisThread(capacity);
                var g = new double[x.Length];
                var value = gradient(x, g);
                Numeric.AssertSameBits(expectedValue, value);
                Assert.True(expected.SequenceEqual(g), $"{name}: another gradient when the tape starts with {capacity} values");
            }
            return 0;
        });
    }

    [Fact]
    public void CountedLoopsReserveTheirPushesAndPushUnchecked()
    {
        var printed = AD.ToCSharp(AD.GradientExpression(Mlp(MlpData, hidden: 4)));
        Assert.Contains("tape.ReserveForLoop(0, 4, 1, 0);", printed);
        Assert.Contains(UncheckedPush, printed);
        Assert.DoesNotContain("tape.Push(", printed);
    }

    [Fact]
    public void ARecordedHeadIsReservedOnceMoreForTheExitingIteration()
    {
        var printed = AD.ToCSharp(AD.GradientExpression(LogSumExp(mathMax: true)));
        Assert.Matches(new Regex(@"tape\.ReserveForLoop\(1, \w+, 1, 1\);"), printed);
        Assert.DoesNotContain("tape.Push(", printed);
    }

    [Fact]
    public void ANestedLoopsPushAfterItEndsIsCountedInTheEnclosingLoop()
    {
        var printed = AD.ToCSharp(AD.GradientExpression(DotProductsKept()));
        // Per hidden unit: its tanh and its dot product.
        Assert.Contains("tape.ReserveForLoop(0, 4, 2, 0);", printed);
        Assert.DoesNotContain("tape.Push(", printed);
    }

    [Fact]
    public void ALoopWithoutATripCountBeforeItKeepsTheCheckedPush()
    {
        var printed = AD.ToCSharp(AD.GradientExpression(DataDependentWhile()));
        Assert.Contains("tape.Push(", printed);
        Assert.DoesNotContain("ReserveForLoop", printed);
    }

    [Fact]
    public void RandomLoopProgramsGiveTheSameGradientFromEveryStartingTapeCapacity()
    {
        var programs = 0;
        var reserving = 0;
        for (var seed = 7100; programs < 120; seed++)
        {
            var generator = new LoopProgramGenerator(seed, LoopProgramOptions.All);
            var f = generator.Program();
            GradientFunc gradient;
            try
            {
                gradient = AD.Differentiate(f);
            }
            catch (NotSupportedException)
            {
                continue; // refusals are the random-program tests' business
            }
            programs++;
            if (AD.ToCSharp(AD.GradientExpression(f)).Contains("ReserveForLoop")) reserving++;
            var x = FiniteDifferences.RandomPoint(new Random(seed), generator.N, -1.5, 1.5);
            var expected = new double[x.Length];
            var expectedValue = gradient(x, expected);
            LoopTapeTests.OnFreshThread(() =>
            {
                for (var capacity = 1; capacity <= 24; capacity++)
                {
                    Tape.CacheFreshTapeOnThisThread(capacity);
                    var g = new double[x.Length];
                    var value = gradient(x, g);
                    Assert.True(value.Equals(expectedValue) && expected.SequenceEqual(g),
                        $"seed {seed}: another result when the tape starts with {capacity} values:\n{AD.ToCSharp(f)}");
                }
                return 0;
            });
        }
        // Not vacuous: many of these programs have counted loops that push (20 of these 120).
        Assert.True(reserving >= programs / 8, $"{reserving} of {programs} programs reserve pushes");
    }
}
