using System.Linq.Expressions;
using ExprAD.Diagnostics;
using ExprAD.Lowering;
using ExprAD.Tests.TestSupport;

namespace ExprAD.Tests.Lowering;

/// <summary>
/// LINQ reductions lowered to loops (<see cref="LinqLowering"/>). Each function's lowered tree is compiled
/// plainly and compared with <c>f.Compile()</c>, i.e. with LINQ to Objects itself: values bit for bit (the loop
/// does the same operations in the same order), exceptions by type and message, and selector calls by a log.
/// </summary>
public partial class LinqLoweringTests
{
    // --- harness --------------------------------------------------------------------------------------

    private static Expression LoweredBody(LambdaExpression f) => StackGuard.RunWithDeepStackFallback(() => Lowerer.Run(f.Body));

    private static Func<double[], double> CompileLowered(Expression<Func<double[], double>> f)
        => Expression.Lambda<Func<double[], double>>(LoweredBody(f), f.Parameters).Compile();

    private sealed record Outcome(double Value, Type? Exception, string? Message)
    {
        public override string ToString() => Exception is null
            ? $"{Value:R} (0x{BitConverter.DoubleToInt64Bits(Value):X16})"
            : $"{Exception.Name}: {Message}";
    }

    private static Outcome Run(Func<double[], double> g, double[] x)
    {
        try { return new Outcome(g((double[])x.Clone()), null, null); }
        catch (Exception e) { return new Outcome(0, e.GetType(), e.Message); }
    }

    private static double NaN(long payload) => BitConverter.Int64BitsToDouble(0x7FF8000000000000L | payload);

    /// <summary>Random lengths 0-7 and some long ones, values of mixed magnitudes (so summation order shows), and IEEE specials.</summary>
    private static IEnumerable<double[]> Inputs()
    {
        var random = new Random(12345);
        double Next() => (random.NextDouble() * 2 - 1) * Math.Pow(10, random.Next(-3, 8));
        foreach (var n in new[] { 0, 1, 1, 2, 2, 3, 3, 4, 5, 6, 7, 7, 20, 33, 64 })
            yield return Enumerable.Range(0, n).Select(_ => Next()).ToArray();
        yield return [-0.0];
        yield return [0.0, -0.0];
        yield return [-0.0, 0.0, -0.0];
        yield return [NaN(1)];
        yield return [NaN(1), NaN(2), NaN(3)];
        yield return [NaN(1), 1, NaN(2)];
        yield return [2, NaN(1), 3, NaN(2)];
        yield return [-1, double.NaN, 5, -double.NaN];
        yield return [double.PositiveInfinity, double.NegativeInfinity, 1];
        yield return [double.PositiveInfinity, 1, double.PositiveInfinity];
        yield return [1e308, 1e308, -1e308];
        yield return [3, 1, 4, 1, 5, 9, 2, 6];
    }

    /// <summary>The lowered tree computes what LINQ computes, at every input, and no supported LINQ call is left.</summary>
    private enum Lowered { ToLoops, WithoutLoop, No }

    private static void AssertSameAsLinq(Expression<Func<double[], double>> f, Lowered lowered = Lowered.ToLoops)
    {
        if (lowered != Lowered.No) AssertFullyLowered(f, loops: lowered == Lowered.ToLoops);
        var linq = f.Compile();
        var loop = CompileLowered(f);
        foreach (var x in Inputs())
        {
            var expected = Run(linq, x);
            var actual = Run(loop, x);
            Assert.True(Same(expected, actual), $"{f} at [{string.Join(", ", x.Select(v => v.ToString("R")))}]: LINQ gives {expected}, the loop gives {actual}");
        }
    }

    /// <summary>
    /// Same bits, except that any NaN equals any NaN: which operand's payload an arithmetic operation on two NaNs
    /// propagates is up to the JIT, which may swap the operands of +. Payloads of selected values (Max, Min) are
    /// checked by <see cref="NaNAndSignedZeroSemanticsOfMaxAndMin"/>.
    /// </summary>
    private static bool Same(Outcome a, Outcome b)
        => a.Exception == b.Exception && a.Message == b.Message
           && (Numeric.SameBits(a.Value, b.Value) || double.IsNaN(a.Value) && double.IsNaN(b.Value));

    private static void AssertFullyLowered(LambdaExpression f, bool loops)
    {
        var checker = new ShapeChecker();
        checker.Visit(LoweredBody(f));
        Assert.True(checker.Loops > 0 == loops, $"{checker.Loops} loops in the lowering of {f}");
        Assert.True(checker.Problems.Count == 0, $"{f}: {string.Join("; ", checker.Problems)}");
    }

    /// <summary>
    /// The subset the differentiating passes accept: each loop is <c>loop { if (test) { ...; i = i + 1; } else break; }</c>;
    /// no other gotos, no Throw, Invoke, lambdas, compound or increment assignments, or writes other than to locals and the
    /// elements of local arrays (ToArray's);
    /// no Enumerable call left; a loop's own locals are declared by no other block.
    /// </summary>
    private sealed class ShapeChecker : ExpressionVisitor
    {
        public List<string> Problems { get; } = [];
        public int Loops { get; private set; }
        private readonly HashSet<ParameterExpression> _declared = [];
        private readonly HashSet<ParameterExpression> _redeclared = [];

        protected override Expression VisitLoop(LoopExpression node)
        {
            Loops++;
            if (node.ContinueLabel is not null) Problems.Add("a loop has a continue label");
            if (node.Body is ConditionalExpression { IfFalse: GotoExpression { Kind: GotoExpressionKind.Break, Value: null } exit } body
                && exit.Target == node.BreakLabel && body.IfTrue is BlockExpression block)
            {
                if (block.Expressions[^1] is not BinaryExpression { NodeType: ExpressionType.Assign, Left: ParameterExpression i } step
                    || step.Right is not BinaryExpression { NodeType: ExpressionType.Add, Left: var left, Right: ConstantExpression { Value: 1 } }
                    || left != i || i.Type != typeof(int))
                    Problems.Add("a loop body does not end with i = i + 1");
                Visit(body.Test);
                Visit(body.IfTrue);
                return node;
            }
            Problems.Add("a loop body is not if (test) { ... } else break");
            return base.VisitLoop(node);
        }

        protected override Expression VisitBlock(BlockExpression node)
        {
            foreach (var variable in node.Variables)
                if (!_declared.Add(variable)) _redeclared.Add(variable);
            var result = base.VisitBlock(node);
            // The loop writer declares its own locals in the block around the loop.
            if (node.Expressions.OfType<LoopExpression>().Any() && node.Variables.Any(_redeclared.Contains))
                Problems.Add("a loop's locals are declared by another block too");
            return result;
        }

        protected override Expression VisitGoto(GotoExpression node)
        {
            Problems.Add($"a goto other than the loop exit: {node}");
            return base.VisitGoto(node);
        }

        protected override Expression VisitUnary(UnaryExpression node)
        {
            if (node.NodeType is ExpressionType.Throw or ExpressionType.PreIncrementAssign or ExpressionType.PostIncrementAssign
                or ExpressionType.PreDecrementAssign or ExpressionType.PostDecrementAssign or ExpressionType.Quote)
                Problems.Add($"a {node.NodeType} node");
            return base.VisitUnary(node);
        }

        protected override Expression VisitBinary(BinaryExpression node)
        {
            // ToArray fills a local array the lowering declared; nothing else is written.
            if (node.NodeType == ExpressionType.Assign && node.Left is not ParameterExpression
                && !(node.Left is IndexExpression { Object: ParameterExpression array } && _declared.Contains(array)))
                Problems.Add($"a write to {node.Left}");
            if (node.NodeType.ToString().EndsWith("Assign", StringComparison.Ordinal) && node.NodeType != ExpressionType.Assign)
                Problems.Add($"a {node.NodeType} node");
            return base.VisitBinary(node);
        }

        protected override Expression VisitInvocation(InvocationExpression node)
        {
            Problems.Add("an Invoke node");
            return base.VisitInvocation(node);
        }

        protected override Expression VisitLambda<T>(Expression<T> node)
        {
            Problems.Add($"a lambda was not inlined: {node}");
            return base.VisitLambda(node);
        }

        protected override Expression VisitMethodCall(MethodCallExpression node)
        {
            if (node.Method.DeclaringType == typeof(Enumerable)) Problems.Add($"Enumerable.{node.Method.Name} is still called");
            return base.VisitMethodCall(node);
        }
    }

    private static readonly double[] Weights = [0.5, -1.25, 3, 1e-3, 7];

    // --- Sum --------------------------------------------------------------------------------------------

    [Fact]
    public void SumOfTheInputAndOfSelectorsOverIt()
    {
        AssertSameAsLinq(x => x.Sum());
        AssertSameAsLinq(x => x.Sum(v => v * v));
        AssertSameAsLinq(x => x.Select(v => Math.Sin(v) + 1).Sum());
        AssertSameAsLinq(x => x.Select(v => v * 3).Select(v => v - 1).Sum(v => v / 7));
        AssertSameAsLinq(x => x.Select((v, i) => v * i).Sum());
        AssertSameAsLinq(x => x.Select(v => v + 1).Select((v, i) => i % 2 == 0 ? v : -v).Sum());
    }

    [Fact]
    public void SumOverRanges()
    {
        AssertSameAsLinq(x => Enumerable.Range(0, x.Length).Sum(i => x[i] * i));
        AssertSameAsLinq(x => Enumerable.Range(1, x.Length - 1).Sum(i => x[i] - x[i - 1]));
        AssertSameAsLinq(x => Enumerable.Range(x.Length / 2, x.Length - x.Length / 2).Select(i => x[i]).Sum());
        AssertSameAsLinq(x => Enumerable.Range(-3, 5).Sum(i => i * 0.5));
        AssertSameAsLinq(x => Enumerable.Range(0, 4).Sum(i => x[i]));                  // throws for short inputs, as LINQ does
        AssertSameAsLinq(x => Enumerable.Range(0, x.Length).Select(i => x[x.Length - 1 - i] * (i + 1)).Sum());
    }

    [Fact]
    public void IntSumsAreCheckedLikeLinq()
    {
        AssertSameAsLinq(x => Enumerable.Range(0, x.Length).Sum());
        AssertSameAsLinq(x => Enumerable.Range(0, x.Length).Sum(i => i * i));
        AssertSameAsLinq(x => Enumerable.Range(2, x.Length).Select(i => i * 3).Sum() * x.Sum());
        AssertSameAsLinq(x => x.Sum(v => (int)v));
        AssertSameAsLinq(x => Enumerable.Range(0, x.Length).Sum(i => int.MaxValue / 2));   // OverflowException from 3 elements on
        AssertSameAsLinq(x => Enumerable.Range(int.MaxValue, 1).Sum());
    }

    [Fact]
    public void Rosenbrock()
    {
        Expression<Func<double[], double>> f = x => Enumerable.Range(0, x.Length - 1)
            .Sum(i => 100 * (x[i + 1] - x[i] * x[i]) * (x[i + 1] - x[i] * x[i]) + (1 - x[i]) * (1 - x[i]));
        AssertSameAsLinq(f);
        var g = CompileLowered(f);
        Assert.Equal(0.0, g([1, 1, 1, 1]));
        Assert.Equal(4 + 400, g([-1, 1, -1]));
    }

    // --- Zip --------------------------------------------------------------------------------------------

    [Fact]
    public void ZipOfArraysAndRangesHasTheShorterLength()
    {
        var y = Weights;
        AssertSameAsLinq(x => x.Zip(y, (a, b) => a * b).Sum());
        AssertSameAsLinq(x => y.Zip(x, (a, b) => a - b).Sum());
        AssertSameAsLinq(x => x.Zip(Enumerable.Range(0, 3), (v, i) => v * i).Sum());
        AssertSameAsLinq(x => x.Zip(x.Select(v => v * v), (a, b) => a + b).Max());
        AssertSameAsLinq(x => x.Select(v => v + 1).Zip(y.Select((w, i) => w * i), (a, b) => a / b).Sum(v => v * v));
        AssertSameAsLinq(x => x.Zip(y, (a, b) => a * b).Zip(Enumerable.Range(1, 2), (p, k) => p + k).Aggregate(1.0, (acc, v) => acc * v));
        AssertSameAsLinq(x => Enumerable.Range(0, x.Length - 1).Zip(x, (i, v) => x[i + 1] - v).Sum(d => d * d));
    }

    // --- Max, Min, Average ------------------------------------------------------------------------------

    [Fact]
    public void MaxMinAverageOfArraysAndSelectors()
    {
        AssertSameAsLinq(x => x.Max());
        AssertSameAsLinq(x => x.Min());
        AssertSameAsLinq(x => x.Average());
        AssertSameAsLinq(x => x.Max(v => -v));
        AssertSameAsLinq(x => x.Min(v => v * 2));
        AssertSameAsLinq(x => x.Average(v => v * v));
        AssertSameAsLinq(x => x.Select(v => v).Max());
        AssertSameAsLinq(x => x.Select(v => v).Min());
        AssertSameAsLinq(x => x.Select(v => v).Average());
        AssertSameAsLinq(x => x.Select((v, i) => v - i).Min(v => Math.Abs(v)));
        AssertSameAsLinq(x => Enumerable.Range(0, x.Length).Max(i => x[i] * x[i]));
        AssertSameAsLinq(x => Enumerable.Range(0, x.Length).Average(i => x[i]));
    }

    [Fact]
    public void MaxMinAverageOfInts()
    {
        AssertSameAsLinq(x => Enumerable.Range(0, x.Length).Max());
        AssertSameAsLinq(x => Enumerable.Range(-2, x.Length).Min());
        AssertSameAsLinq(x => Enumerable.Range(0, x.Length).Average());
        AssertSameAsLinq(x => Enumerable.Range(0, x.Length).Max(i => (i * 7) % 5));
        AssertSameAsLinq(x => Enumerable.Range(0, x.Length).Min(i => (i * 7) % 5 - i));
        AssertSameAsLinq(x => x.Max(v => (int)v) + x.Min(v => (int)v));
        AssertSameAsLinq(x => x.Average(v => (int)(v * 1000)));
        AssertSameAsLinq(x => Enumerable.Range(0, x.Length).Select(i => int.MaxValue - i).Average());
    }

    /// <summary>
    /// What .NET's Enumerable.Max and Min do with NaN and signed zeros, pinned down here (the loop copies it):
    /// Max ignores NaNs unless all are NaN (then it returns the last) and keeps the first of equal values;
    /// Min returns NaN as soon as it meets one (over a selector or enumerator the first NaN; over an array the
    /// first NaN after element 0, else element 0) and keeps the first of equal values.
    /// </summary>
    [Fact]
    public void NaNAndSignedZeroSemanticsOfMaxAndMin()
    {
        double[] allNaN = [NaN(1), NaN(2), NaN(3)];
        double[] mixed = [NaN(1), 1, NaN(2)];
        double[] zeros = [-0.0, 0.0];

        Numeric.AssertSameBits(NaN(3), allNaN.Max());
        Numeric.AssertSameBits(1, mixed.Max());
        Numeric.AssertSameBits(-0.0, zeros.Max());
        Numeric.AssertSameBits(NaN(2), allNaN.Min());                  // array: element 0 is not tested first
        Numeric.AssertSameBits(NaN(1), allNaN.Select(v => v).Min());   // enumerator: it is
        Numeric.AssertSameBits(NaN(2), mixed.Min());
        Numeric.AssertSameBits(NaN(1), mixed.Min(v => v));
        Numeric.AssertSameBits(-0.0, zeros.Min());
        Numeric.AssertSameBits(0.0, new[] { 0.0, -0.0 }.Min());

        var max = CompileLowered(x => x.Max());
        var min = CompileLowered(x => x.Min());
        var minOfSelect = CompileLowered(x => x.Select(v => v).Min());
        Numeric.AssertSameBits(NaN(3), max(allNaN));
        Numeric.AssertSameBits(1, max(mixed));
        Numeric.AssertSameBits(-0.0, max(zeros));
        Numeric.AssertSameBits(NaN(2), min(allNaN));
        Numeric.AssertSameBits(NaN(1), minOfSelect(allNaN));
        Numeric.AssertSameBits(NaN(2), min(mixed));
        Numeric.AssertSameBits(-0.0, min(zeros));
        Numeric.AssertSameBits(double.NegativeInfinity, min([double.PositiveInfinity, double.NegativeInfinity]));
    }

    /// <summary>Max and Min only compare and select, so even the NaN payloads they return must be LINQ's.</summary>
    [Fact]
    public void MaxAndMinReturnTheSameNaNAsLinq()
    {
        var y = Weights;
        Expression<Func<double[], double>>[] functions =
        [
            x => x.Max(), x => x.Min(), x => x.Max(v => v), x => x.Min(v => v), x => x.Select(v => v).Min(),
            x => x.Zip(y, (a, b) => a).Min(), x => Enumerable.Range(0, x.Length).Min(i => x[x.Length - 1 - i]),
            x => x.Select((v, i) => i % 2 == 0 ? v : -v).Max(),
        ];
        foreach (var f in functions)
        {
            var (linq, loop) = (f.Compile(), CompileLowered(f));
            foreach (var x in Inputs())
            {
                var (expected, actual) = (Run(linq, x), Run(loop, x));
                Assert.True(expected.Exception == actual.Exception && Numeric.SameBits(expected.Value, actual.Value),
                    $"{f} at [{string.Join(", ", x.Select(v => $"0x{BitConverter.DoubleToInt64Bits(v):X}"))}]: LINQ gives {expected}, the loop gives {actual}");
            }
        }
    }

    /// <summary>LINQ sums from +0.0, except Average over an enumerator, which starts from the first element.</summary>
    [Fact]
    public void SignedZeroSemanticsOfSumAndAverage()
    {
        double[] negativeZero = [-0.0];
        Numeric.AssertSameBits(0.0, negativeZero.Sum());
        Numeric.AssertSameBits(0.0, negativeZero.Average());
        Numeric.AssertSameBits(-0.0, negativeZero.Select(v => v).Average());
        Numeric.AssertSameBits(-0.0, negativeZero.Average(v => v));

        Numeric.AssertSameBits(0.0, CompileLowered(x => x.Sum())(negativeZero));
        Numeric.AssertSameBits(0.0, CompileLowered(x => x.Select(v => v).Sum())(negativeZero));
        Numeric.AssertSameBits(0.0, CompileLowered(x => x.Average())(negativeZero));
        Numeric.AssertSameBits(-0.0, CompileLowered(x => x.Select(v => v).Average())(negativeZero));
        Numeric.AssertSameBits(-0.0, CompileLowered(x => x.Average(v => v))(negativeZero));
    }

    // --- Count, Aggregate -------------------------------------------------------------------------------

    [Fact]
    public void Count()
    {
        AssertSameAsLinq(x => x.Count(), Lowered.WithoutLoop);          // it is x.Length
        AssertSameAsLinq(x => Enumerable.Range(1, x.Length).Count(), Lowered.WithoutLoop);
        AssertSameAsLinq(x => x.Select(v => v * v).Count());
        AssertSameAsLinq(x => x.Count(v => v > 0));
        AssertSameAsLinq(x => x.Select((v, i) => v * i).Count(v => v >= 1) * 0.5);
        AssertSameAsLinq(x => Enumerable.Range(0, 3).Count(i => x[i] > 0));
    }

    [Fact]
    public void Aggregate()
    {
        AssertSameAsLinq(x => x.Aggregate(1.0, (acc, v) => acc * v + 1));
        AssertSameAsLinq(x => x.Aggregate((a, b) => a * 0.5 + b));
        AssertSameAsLinq(x => x.Aggregate(0.0, (acc, v) => acc + v * v, acc => Math.Sqrt(acc)));
        AssertSameAsLinq(x => x.Select(v => v * 2).Aggregate(x.Length, (n, v) => n + (int)v, n => n * 0.25));
        AssertSameAsLinq(x => Enumerable.Range(0, x.Length).Aggregate((a, b) => a * 3 + b));
        AssertSameAsLinq(x => x.Aggregate(x.Length > 0 ? x[0] : 1, (acc, v) => Math.Max(acc, v)));
    }

    // --- nesting ----------------------------------------------------------------------------------------

    [Fact]
    public void NestedReductionsInSelectorsAreLoweredToo()
    {
        AssertSameAsLinq(x => Enumerable.Range(0, x.Length).Sum(i => Enumerable.Range(0, i).Sum(j => x[i] * x[j])));
        AssertSameAsLinq(x => x.Select(v => x.Max(w => w * v)).Sum());
        AssertSameAsLinq(x => x.Aggregate(0.0, (acc, v) => acc + x.Select(w => w - v).Min()));
        AssertSameAsLinq(x => x.Sum(v => Enumerable.Range(0, 3).Zip(x, (k, w) => k * w * v).Average()));
        AssertSameAsLinq(x => Enumerable.Range(0, x.Length).Select(i => Enumerable.Range(0, x.Length).Count(j => x[j] < x[i])).Max());
        // The same lambda parameter name at two levels, and an outer parameter used inside.
        AssertSameAsLinq(x => x.Sum(v => x.Sum(v2 => x.Sum(v3 => v * v2 - v3))));
    }

    private static double[] Counted(int[] calls, double[] array)
    {
        calls[0]++;
        return array;
    }

    [Fact]
    public void CapturedArraysAndMethodResultsAreEvaluatedOnce()
    {
        var y = Weights;
        var calls = new int[1];
        Expression<Func<double[], double>> f = x => Counted(calls, y).Select(v => v * x.Length).Sum() + Counted(calls, x).Max();
        AssertSameAsLinq(f);
        calls[0] = 0;
        CompileLowered(f)([1, 2]);
        Assert.Equal(2, calls[0]);
    }

    [Fact]
    public void LongSelectChainsAreOneLoop()
    {
        var x = Expression.Parameter(typeof(double[]), "x");
        Expression sequence = x;
        for (var k = 0; k < 2000; k++)
        {
            var v = Expression.Parameter(typeof(double), "v");
            sequence = Expression.Call(typeof(Enumerable), nameof(Enumerable.Select), [typeof(double), typeof(double)], sequence,
                Expression.Lambda<Func<double, double>>(Expression.Add(Expression.Multiply(v, Expression.Constant(0.999)), Expression.Constant(1e-3)), v));
        }
        var f = Expression.Lambda<Func<double[], double>>(Expression.Call(typeof(Enumerable), nameof(Enumerable.Sum), null, sequence), x);
        var checker = new ShapeChecker();
        checker.Visit(LoweredBody(f));
        Assert.Equal(1, checker.Loops);
        Assert.Empty(checker.Problems);
        var input = new[] { 1.0, -2.0, 3.5 };
        Numeric.AssertSameBits(f.Compile()(input), CompileLowered(f)(input));
    }

    // --- errors and empty sequences ---------------------------------------------------------------------

    private static void AssertThrowsLikeLinq<TException>(Expression<Func<double[], double>> f, double[] x) where TException : Exception
    {
        var expected = Assert.Throws<TException>(() => f.Compile()(x));
        var actual = Assert.Throws<TException>(() => CompileLowered(f)(x));
        Assert.Equal(expected.Message, actual.Message);
    }

    [Fact]
    public void EmptySequences()
    {
        Assert.Equal(0.0, CompileLowered(x => x.Sum())([]));
        Assert.Equal(0.0, CompileLowered(x => x.Select(v => v).Sum(v => v))([]));
        Assert.Equal(5.0, CompileLowered(x => x.Aggregate(5.0, (a, v) => a * v))([]));
        Assert.Equal(0.0, CompileLowered(x => x.Count(v => v > 0))([]));
        AssertThrowsLikeLinq<InvalidOperationException>(x => x.Max(), []);
        AssertThrowsLikeLinq<InvalidOperationException>(x => x.Min(v => v), []);
        AssertThrowsLikeLinq<InvalidOperationException>(x => x.Average(), []);
        AssertThrowsLikeLinq<InvalidOperationException>(x => x.Zip(x, (a, b) => a).Average(), []);
        AssertThrowsLikeLinq<InvalidOperationException>(x => Enumerable.Range(0, x.Length).Max(), []);
        AssertThrowsLikeLinq<InvalidOperationException>(x => Enumerable.Range(0, x.Length).Average(i => i), []);
        AssertThrowsLikeLinq<InvalidOperationException>(x => x.Aggregate((a, b) => a + b), []);
        var e = Assert.Throws<InvalidOperationException>(() => CompileLowered(x => x.Max())([]));
        Assert.Equal("Sequence contains no elements", e.Message);
    }

    [Fact]
    public void RangeArgumentsAreCheckedWhenTheFunctionRuns()
    {
        AssertThrowsLikeLinq<ArgumentOutOfRangeException>(x => Enumerable.Range(0, x.Length - 1).Sum(i => x[i]), []);
        AssertThrowsLikeLinq<ArgumentOutOfRangeException>(x => Enumerable.Range(0, -1).Sum(), [1]);
        AssertThrowsLikeLinq<ArgumentOutOfRangeException>(x => Enumerable.Range(int.MaxValue, 2).Sum(i => 1.0), [1]);
        AssertThrowsLikeLinq<ArgumentOutOfRangeException>(x => Enumerable.Range(int.MaxValue - 1, x.Length).Count(i => i > 0), [1, 2, 3]);
        AssertThrowsLikeLinq<ArgumentOutOfRangeException>(x => Enumerable.Range((int)x[0], 3).Sum(), [int.MaxValue - 1.0]);
        // Each Range is checked as soon as its own arguments are evaluated, before the next source's.
        AssertThrowsLikeLinq<ArgumentOutOfRangeException>(x => Enumerable.Range(0, -1).Zip(Enumerable.Range(0, (int)x[5]), (a, b) => a).Sum(), [1]);
        AssertThrowsLikeLinq<IndexOutOfRangeException>(x => Enumerable.Range(0, (int)x[5]).Zip(Enumerable.Range(0, -1), (a, b) => a).Sum(), [1]);
        AssertSameAsLinq(x => Enumerable.Range(int.MaxValue - 3, Math.Min(x.Length, 6)).Count(i => i % 2 == 0));
        AssertSameAsLinq(x => Enumerable.Range(int.MinValue, x.Length).Min());
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => CompileLowered(x => Enumerable.Range(0, x.Length - 2).Sum())([1]));
        Assert.Equal("count", e.ParamName);
    }

    [Fact]
    public void NullArraysThrowArgumentNullExceptionNamingTheParameter()
    {
        double[] none = null!;
        double[] some = [1, 2];
        AssertThrowsLikeLinq<ArgumentNullException>(x => none.Sum(), [1]);
        AssertThrowsLikeLinq<ArgumentNullException>(x => none.Select(v => v).Sum(), [1]);
        AssertThrowsLikeLinq<ArgumentNullException>(x => none.Zip(some, (a, b) => a).Sum(), [1]);
        AssertThrowsLikeLinq<ArgumentNullException>(x => some.Zip(none, (a, b) => a).Sum(), [1]);
        AssertThrowsLikeLinq<ArgumentNullException>(x => none.Aggregate(0.0, (a, v) => a), [1]);
        // Aggregate evaluates its seed before it checks the source.
        AssertThrowsLikeLinq<IndexOutOfRangeException>(x => none.Aggregate(x[3], (a, v) => a), [1]);
        Assert.Equal("second", Assert.Throws<ArgumentNullException>(() => CompileLowered(x => some.Zip(none, (a, b) => a).Sum())([1])).ParamName);
    }

    // --- selector calls ---------------------------------------------------------------------------------

    private static double Log(List<string> log, string tag, double v)
    {
        log.Add($"{tag}:{v:R}");
        return v;
    }

    /// <summary>The selectors are called for the same elements in the same order, including LINQ's less obvious calls.</summary>
    private static void AssertSameCalls(Expression<Func<double[], double>> f, List<string> log, params double[][] inputs)
    {
        var linq = f.Compile();
        var lowered = CompileLowered(f);
        foreach (var x in inputs)
        {
            log.Clear();
            var expected = Run(linq, x);
            var expectedCalls = log.ToList();
            log.Clear();
            var actual = Run(lowered, x);
            Assert.True(Same(expected, actual), $"{f}: LINQ gives {expected}, the loop gives {actual}");
            Assert.Equal(expectedCalls, log);
        }
    }

    [Fact]
    public void SelectorsAreCalledAsInLinq()
    {
        var log = new List<string>();
        double[] y = [10, 20];
        double[][] inputs = [[], [1], [1, 2], [1, 2, 3], [1, double.NaN, 3], [double.NaN, 2]];
        AssertSameCalls(x => x.Select(v => Log(log, "s", v)).Sum(v => Log(log, "t", v)), log, inputs);
        // Zip asks the first sequence for one more element than the second has: its selectors run once more.
        AssertSameCalls(x => x.Select(v => Log(log, "a", v)).Zip(y.Select(v => Log(log, "b", v)), (a, b) => Log(log, "z", a + b)).Sum(), log, inputs);
        AssertSameCalls(x => y.Select(v => Log(log, "a", v)).Zip(x.Select(v => Log(log, "b", v)), (a, b) => a * b).Max(), log, inputs);
        AssertSameCalls(x => x.Zip(y, (a, b) => Log(log, "a", a)).Zip(x.Select(v => Log(log, "c", v)), (p, q) => p - q).Aggregate((p, q) => Log(log, "g", p + q)), log, inputs);
        AssertSameCalls(x => x.Select(v => Log(log, "a", v)).Zip(x.Zip(y, (a, b) => Log(log, "b", a)), (p, q) => p).Count(), log, inputs);
        // Min stops at the first NaN; Max and Average do not.
        AssertSameCalls(x => x.Min(v => Log(log, "m", v)), log, inputs);
        AssertSameCalls(x => x.Select(v => Log(log, "m", v)).Zip(y, (a, b) => a).Min(), log, inputs);
        AssertSameCalls(x => x.Max(v => Log(log, "m", v)) + x.Average(v => Log(log, "n", v)), log, inputs);
        // Count() of a Select calls the selector (LINQ does so on purpose); Count() of an array does not enumerate.
        AssertSameCalls(x => x.Select(v => Log(log, "c", v)).Count(), log, inputs);
        AssertSameCalls(x => x.Count(v => Log(log, "p", v) > 1), log, inputs);
        AssertSameCalls(x => x.Aggregate(Log(log, "seed", 1), (acc, v) => Log(log, "f", acc + v), acc => Log(log, "r", acc)), log, inputs);
        // A Where's predicate runs on every element below it, what comes after it only on the elements it keeps; a Max's
        // winner is computed once more only for pure selectors, not these.
        AssertSameCalls(x => x.Select(v => Log(log, "s", v)).Where(v => Log(log, "w", v) > 1).Select(v => Log(log, "t", v)).Sum(), log, inputs);
        AssertSameCalls(x => x.Where(v => Log(log, "w", v) < 3).Where(v => Log(log, "u", v) > 1).Max(v => Log(log, "m", v)), log, inputs);
        AssertSameCalls(x => x.Where((v, i) => Log(log, "w", v + i) > 1).Aggregate((a, v) => Log(log, "g", a + v)), log, inputs);
        // Skip and Take of a Select do not compute the elements they jump over, in LINQ or in the loop.
        AssertSameCalls(x => x.Select(v => Log(log, "s", v)).Skip(1).Take(1).Sum(), log, inputs);
        AssertSameCalls(x => x.Select(v => Log(log, "s", v)).Skip(1).Zip(y, (a, b) => Log(log, "z", a * b)).Sum(), log, inputs);
    }

    [Fact]
    public void ASelectorThatThrowsForTheElementZipDropsThrowsToo()
    {
        double[] y = [1, 2, 3];
        // LINQ computes y[3] for the fourth pair before the range of 3 says it has ended.
        AssertThrowsLikeLinq<IndexOutOfRangeException>(x => Enumerable.Range(0, 5).Select(i => y[i]).Zip(Enumerable.Range(0, 3), (a, b) => a).Sum(), []);
        AssertSameAsLinq(x => Enumerable.Range(0, 5).Select(i => y[i]).Zip(Enumerable.Range(0, x.Length), (a, b) => a).Sum());
    }

    [Fact]
    public void ToArrayIsALocalArrayFilledByOneLoop()
    {
        AssertSameAsLinq(x => x.Select(v => v * v).ToArray().Sum());
        AssertSameAsLinq(x => x.ToArray().Max());
        AssertSameAsLinq(x => Enumerable.Range(0, x.Length).Select(i => x[i] * i).ToArray().Aggregate(0.0, (a, v) => a * 0.5 + v));
        AssertSameAsLinq(x => x.Zip(x.Select(v => Math.Sin(v)), (a, b) => a - b).ToArray().Average());
        // The copy is a new array: writing it leaves x alone (LINQ's ToArray of an array copies it too).
        AssertSameAsLinq(x => x.ToArray().Length + x.Sum());
        double[]? missing = null;
        AssertSameAsLinq(x => missing!.Select(v => v + x.Length).ToArray().Sum(), Lowered.ToLoops);
    }

    [Fact]
    public void SkipAndTakeOfArraysRangesAndSelectsAreOffsetsAndLengths()
    {
        // Counts below 0, 0, inside and beyond the length; an empty Take's Max throws as LINQ's does.
        foreach (var k in new[] { -2, 0, 1, 3, 100 })
        {
            AssertSameAsLinq(x => x.Skip(k).Sum() + x.Take(k).Sum(v => v * v));
            AssertSameAsLinq(x => x.Take(k).Max());
            AssertSameAsLinq(x => x.Select(v => v * 2).Skip(k).Take(2).Average());
            AssertSameAsLinq(x => Enumerable.Range(k, x.Length).Skip(1).Take(k).Sum(i => (double)i));
        }
        // Differences of neighbours, the idiom Skip is used for; a count read from the input.
        AssertSameAsLinq(x => x.Skip(1).Zip(x, (a, b) => (a - b) * (a - b)).Sum());
        AssertSameAsLinq(x => x.Take(x.Length / 2).Skip(1).Where(v => v > 0).Count() + x.Skip(x.Length - 1).Sum());
    }

    [Fact]
    public void WhereFiltersWhatTheReductionSeesAsInLinq()
    {
        // Every reduction, with and without selectors after the filter, empty results (LINQ's exceptions), NaN and -0.0 inputs.
        AssertSameAsLinq(x => x.Where(v => v > 0).Sum());
        AssertSameAsLinq(x => x.Where(v => v < 0).Sum(v => v * v));
        AssertSameAsLinq(x => x.Where(v => v > 0).Count() + x.Where(v => double.IsNaN(v)).Count(v => v > 0));
        AssertSameAsLinq(x => x.Where(v => v > 1).Average());
        AssertSameAsLinq(x => x.Where(v => v > -1).Average(v => v * 3));
        AssertSameAsLinq(x => x.Where(v => v < 1e6).Max());
        AssertSameAsLinq(x => x.Where(v => v > -1e6).Min(v => -v));
        AssertSameAsLinq(x => x.Where(v => !double.IsNaN(v)).Min());
        AssertSameAsLinq(x => x.Where(v => v > 0).Aggregate((a, v) => a * 0.5 + v));
        AssertSameAsLinq(x => x.Where(v => v > 0).Aggregate(1.0, (a, v) => a + v, a => a * 2));
        // Selects below the filter keep positions (an index is fine there); after it, the filter's own index is the source's.
        AssertSameAsLinq(x => x.Select((v, i) => v * i).Where(v => v > 0).Select(v => v + 1).Sum());
        AssertSameAsLinq(x => x.Where((v, i) => i % 3 != 1).Where(v => v < 100).Sum(v => v * v));
        AssertSameAsLinq(x => Enumerable.Range(0, x.Length).Where(i => x[i] > 0).Max(i => x[i] * i));
        AssertSameAsLinq(x => x.Zip(x.Select(v => -v), (a, b) => a * b).Where(v => v < -1).Sum());
        AssertSameAsLinq(x => x.Where(v => v > 0).Sum(v => x.Where(w => w < v).Count()));
    }

    // --- what is left alone -----------------------------------------------------------------------------

    [Fact]
    public void UnsupportedLinqIsLeftAsCalls()
    {
        Expression<Func<double[], double>> f = x => x.Where(v => v > 0).Select((v, i) => v * i).Sum();
        var body = LoweredBody(f);
        var call = Assert.IsAssignableFrom<MethodCallExpression>(body);
        Assert.Equal("Sum", call.Method.Name);
        Assert.Equal("Select", Assert.IsAssignableFrom<MethodCallExpression>(call.Arguments[0]).Method.Name);
        AssertSameAsLinq(f, Lowered.No);
        AssertSameAsLinq(x => x.Where(v => v > 0).ToArray().Sum(), Lowered.No);
        AssertSameAsLinq(x => x.OrderBy(v => v).First() + x.Skip(1).Take(2).Sum() + x.ToList().Sum(), Lowered.No);
        AssertSameAsLinq(x => x.Select(v => (float)v).Sum() + x.Max<double>(), Lowered.No);
        AssertSameAsLinq(x => x.Zip(x).Sum(t => t.First * t.Second), Lowered.No);
        // Supported reductions inside an unsupported call's lambdas are still lowered.
        AssertSameAsLinq(x => x.OrderBy(v => v * x.Average()).Sum(), Lowered.No);
        Assert.DoesNotContain("Average", LoweredBody((Expression<Func<double[], double>>)(x => x.OrderBy(v => v * x.Average()).Sum())).ToString());
        // A source the pass does not know (a list) is left too.
        var list = new List<double> { 1, 2 };
        AssertSameAsLinq(x => list.Sum() + list.Select(v => v * x.Length).Max(), Lowered.No);
    }

    [Fact]
    public void ADelegateThatIsNotALambdaIsLeftAsACall()
    {
        Func<double, double> square = v => v * v;
        Expression<Func<double[], double>> f = x => x.Sum(square);
        Assert.IsAssignableFrom<MethodCallExpression>(LoweredBody(f));
        AssertSameAsLinq(f, Lowered.No);
    }

    /// <summary>A data set as C# code holds one: rows of a jagged array, an array of records, a list.</summary>
    internal static readonly double[][] Rows = [[0.5, 1.0], [-1.0, 2.5], [2.0, -0.5], [1.5, 0.25], [double.NaN, 1.0]];

    internal sealed record Sample(double T, double Y);

    internal static readonly Sample[] Samples = [new(0, 1.0), new(0.5, 1.6), new(1.0, 2.9), new(1.5, 4.1), new(2.0, 5.2)];

    internal static readonly List<double> DataList = [0.5, -1.0, 2.0, 1.5, -0.0];

    [Fact]
    public void RowsRecordsAndListsAreSourcesLikeArrays()
    {
        AssertSameAsLinq(x => Rows.Sum(r => r[0] * r[1]) + x.Sum());
        AssertSameAsLinq(x => Rows.Where(r => !double.IsNaN(r[0])).Sum(r => r[0] * r[1]));
        AssertSameAsLinq(x => Rows.Max(r => r[1]) - Rows.Min(r => r[0]));
        AssertSameAsLinq(x => Rows.Zip(x, (r, v) => r[0] * v + r[1]).Sum());
        AssertSameAsLinq(x => x.Select((v, i) => v * Rows[i % Rows.Length][1]).Average());
        AssertSameAsLinq(x => Samples.Sum(s => (s.Y - s.T) * (s.Y - s.T)) + Samples.Count(s => s.T > 0.7));
        AssertSameAsLinq(x => DataList.Sum() + DataList.Max() + DataList.Min() + DataList.Average());
        AssertSameAsLinq(x => DataList.Skip(1).Take(3).Sum(v => v * v) + DataList.Zip(x, (a, b) => a * b).Sum());
        AssertSameAsLinq(x => DataList.Where(v => v > 0).Aggregate(1.0, (p, v) => p * v) + (DataList.Any(v => v < -0.5) ? 1 : 0));
        // Empty and null sources throw what LINQ throws.
        var empty = new List<double>();
        AssertSameAsLinq(x => empty.Average() + x.Length);
        double[][]? none = null;
        AssertSameAsLinq(x => none!.Sum(r => r[0]) + x.Length);
        List<double>? nullList = null;
        AssertSameAsLinq(x => nullList!.Sum() + x.Length);
    }
}

/// <summary>
/// The lowered loops through the whole pipeline (AD.Compile, AD.Differentiate). These need loop support in
/// the translation and reverse-mode passes; until it lands they fail with NotSupportedException for Loop nodes.
/// </summary>
[Trait("Needs", "LoopSupport")]
public class LinqLoweringIntegrationTests
{
    private static readonly Expression<Func<double[], double>>[] Functions =
    [
        x => Enumerable.Range(0, x.Length - 1).Sum(i => 100 * (x[i + 1] - x[i] * x[i]) * (x[i + 1] - x[i] * x[i]) + (1 - x[i]) * (1 - x[i])),
        x => x.Sum(),
        x => x.Select((v, i) => v * v * (i + 1)).Sum(),
        x => x.Zip(x.Select(v => Math.Sin(v)), (a, b) => a * b).Average(),
        x => x.Max(v => v * v) - x.Min(),
        x => x.Aggregate(1.0, (acc, v) => acc * v + 1, acc => acc / 2),
        x => Enumerable.Range(0, x.Length).Sum(i => Enumerable.Range(0, i).Sum(j => x[i] * x[j])),
        x => x.Count(v => v > 0) * x.Sum(v => Math.Exp(-v)),
    ];

    public static TheoryData<int> FunctionIndices()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Functions.Length; i++) data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(FunctionIndices))]
    public void ADCompileAgreesWithLinq(int index)
    {
        var f = Functions[index];
        var linq = f.Compile();
        var compiled = AD.Compile(f);
        var random = new Random(index);
        for (var n = 1; n <= 6; n++)
        {
            var x = Enumerable.Range(0, n).Select(_ => random.NextDouble() * 4 - 2).ToArray();
            Numeric.AssertSameValue(linq(x), compiled(x), $"{f} at [{FiniteDifferences.Format(x)}]");
        }
    }

    private static readonly double[] Data = [0.5, -1.0, 2.0, 1.5];

    /// <summary>A straight-line fit y = a t + b over an array of records and over rows of a jagged array, in every mode.</summary>
    [Fact]
    public void ALossOverRecordsOrRowsDifferentiates()
    {
        var (Samples, Rows, DataList) = (LinqLoweringTests.Samples, LinqLoweringTests.Rows, LinqLoweringTests.DataList);
        Expression<Func<double[], double>> overRecords = p => Samples.Sum(s => (p[0] * s.T + p[1] - s.Y) * (p[0] * s.T + p[1] - s.Y));
        Expression<Func<double[], double>> overRows = p => Rows.Take(4).Sum(r => (p[0] * r[0] + p[1] - r[1]) * (p[0] * r[0] + p[1] - r[1]));
        double[] point = [1.7, 0.9];
        static double[] Hand(IEnumerable<(double T, double Y)> data, double[] p)
            => [data.Sum(d => 2 * (p[0] * d.T + p[1] - d.Y) * d.T), data.Sum(d => 2 * (p[0] * d.T + p[1] - d.Y))];
        foreach (var (f, data) in new[] { (overRecords, Samples.Select(s => (s.T, s.Y))), (overRows, Rows.Take(4).Select(r => (r[0], r[1]))) })
        {
            var g = Loops.LoopCheck.Run(f, point, seed: 1, Hand(data, point), perCoordinate: true);
            Numeric.AssertClose(g[0] * 0.6 + g[1] * 0.8, AD.DirectionalDerivative(f)(point, [0.6, 0.8]), 1e-13);
            Vector.HessianTests.AssertMatchesGradientDifferences(f, point);
        }
        // The list form of a sum of squares of data times a parameter.
        Expression<Func<double[], double>> overList = p => DataList.Sum(d => d * d * p[0] * p[0]);
        Loops.LoopCheck.Run(overList, [1.3], seed: 2, [2 * 1.3 * DataList.Sum(d => d * d)]);
    }

    public static TheoryData<int> ToArrayAndWhereFunctionIndices() => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

    private static readonly Expression<Func<double[], double>>[] ToArrayAndWhereFunctions =
    [
        x => x.Select(v => v * v).ToArray().Sum(),
        x => x.Select(v => Math.Sin(v)).ToArray()[1] * x[0],
        x => x.Select(v => v * 2).ToArray().Select(v => v * v * v).ToArray().Sum(),
        x => Data.Select(d => d * x[0] * x[1]).ToArray().Max(),
        x => x.Where(v => v > 0).Sum(v => v * v),
        x => x.Where(v => v > -1).Average(v => Math.Exp(v)),
        x => x.Where(v => v < 2).Select(v => Math.Sin(v) * v).Max(),
        x => Data.Where(d => d > 0).Sum(d => d * x[0] * x[1]) + x.Where((v, i) => i > 0).Aggregate((a, v) => a * v),
        x => x.Skip(1).Zip(x, (a, b) => (a - b) * (a - b)).Sum() + x.Take(2).Sum(v => Math.Exp(v)),
        // Any and All decide a branch (no derivative of their own): a guard against bad data, a test of the domain.
        x => x.Any(v => double.IsNaN(v)) ? 0 : x.Sum(v => v * v * v),
        x => x.All(v => v > -2) ? x.Sum(v => Math.Exp(v)) : x[0],
        x => Enumerable.Range(0, x.Length).Sum(i => x.Skip(i).Any(v => v > 2) ? x[i] * x[i] : Math.Sin(x[i])),
    ];

    [Theory]
    [MemberData(nameof(ToArrayAndWhereFunctionIndices))]
    public void FunctionsWithToArrayWhereSkipOrTakeDifferentiate(int index)
    {
        var f = ToArrayAndWhereFunctions[index];
        var x = new[] { 0.3, -1.2, 2.5, 0.9 };
        var g = Loops.LoopCheck.Run(f, x, seed: index, perCoordinate: true);
        var direction = FiniteDifferences.RandomUnitDirection(new Random(index), x.Length);
        Numeric.AssertClose(g.Zip(direction, (a, b) => a * b).Sum(), AD.DirectionalDerivative(f)(x, direction), 1e-13);
        Vector.HessianTests.AssertMatchesGradientDifferences(f, x);
    }

    [Fact]
    public void RosenbrockGradient()
    {
        var f = Functions[0];
        var gradient = AD.Differentiate(f);
        double[] x = [-1.2, 1, 0.5, 2];
        var (value, g) = Numeric.Evaluate(gradient, x);
        Numeric.AssertSameValue(f.Compile()(x), value);
        var expected = new double[x.Length];
        for (var i = 0; i < x.Length - 1; i++)
        {
            expected[i] += -400 * x[i] * (x[i + 1] - x[i] * x[i]) - 2 * (1 - x[i]);
            expected[i + 1] += 200 * (x[i + 1] - x[i] * x[i]);
        }
        Numeric.AssertClose(expected, g, 1e-12);
    }
}
