using System.Linq.Expressions;
using ExprAD.Benchmarks.Shared;
using ExprAD.Compilation;
using ExprAD.Tests.TestSupport;

namespace ExprAD.Tests.Loops;

/// <summary>
/// Large loop nests of compiled-only code are compiled as methods of their own (<see cref="LoopOutlining"/>). The split
/// code runs the same operations in the same order, so values and gradients must be bit for bit those of the whole method.
/// </summary>
public class LoopOutliningTests
{
    private const int Whole = int.MaxValue;
    private const int SplitEveryNest = 0;

    /// <summary>The number of calls to separately compiled loop nests in a tree.</summary>
    private static int NestCalls(Expression tree)
        => TreeNodes.In(tree).OfType<InvocationExpression>().Count(call => call.Expression is ConstantExpression { Value: Delegate });

    /// <summary>
    /// The names of the separately compiled methods a tree calls, and of those they call in turn (a nest's loop bodies
    /// are constants of the nest's compiled closure).
    /// </summary>
    private static List<string> OutlinedMethods(Expression tree)
    {
        var names = new List<string>();
        var pending = new Stack<Delegate>(TreeNodes.In(tree).OfType<ConstantExpression>().Select(c => c.Value).OfType<Delegate>());
        while (pending.TryPop(out var method))
        {
            names.Add(method.Method.Name);
            // The closure type of compiled expression trees is not in the reference assemblies: its Constants field by name.
            if (method.Target?.GetType().GetField("Constants")?.GetValue(method.Target) is object[] constants)
                foreach (var inner in constants.OfType<Delegate>()) pending.Push(inner);
        }
        return names;
    }

    private static void AssertSplitIsBitIdentical(Expression<Func<double[], double>> f, int n, int seed, string context)
    {
        var splitGradientTree = GradientPipeline.Run(f, forCompiling: true, outlineAbove: SplitEveryNest);
        var splitFunctionTree = PrimalPipeline.Run(f, outlineAbove: SplitEveryNest);
        var wholeGradient = GradientPipeline.Run(f, forCompiling: true, outlineAbove: Whole).Compile();
        var wholeFunction = PrimalPipeline.Run(f, outlineAbove: Whole).Compile();
        var splitGradient = splitGradientTree.Compile();
        var splitFunction = splitFunctionTree.Compile();
        var random = new Random(seed);
        for (var point = 0; point < 2; point++)
        {
            var x = FiniteDifferences.RandomPoint(random, n, -1, 1);
            var (gw, gs) = (new double[n], new double[n]);
            double valueWhole, valueSplit;
            try
            {
                valueWhole = wholeGradient(x, gw);
            }
            catch (Exception e)
            {
                // The program fails at this point (a domain error, an index out of range): so must the split one.
                Assert.Equal(e.GetType(), Record.Exception(() => splitGradient(x, gs))?.GetType());
                continue;
            }
            valueSplit = splitGradient(x, gs);
            Numeric.AssertSameValue(valueWhole, valueSplit, context);
            Numeric.AssertSameValues(gw, gs, context);
            Numeric.AssertSameValue(wholeFunction(x), splitFunction(x), context);
        }
    }

    [Fact]
    public void RandomLoopProgramsGiveTheSameBitsSplitAsWhole()
    {
        var (split, bodies) = (0, 0);
        for (var seed = 1; seed <= 150; seed++)
        {
            var generator = new LoopProgramGenerator(seed, LoopProgramOptions.All);
            var f = generator.Program();
            try
            {
                AD.Differentiate(f);
            }
            catch (NotSupportedException)
            {
                continue; // refused programs are checked elsewhere
            }
            var splitTree = GradientPipeline.Run(f, forCompiling: true, outlineAbove: SplitEveryNest);
            split += NestCalls(splitTree) > 0 ? 1 : 0;
            bodies += OutlinedMethods(splitTree).Contains("loopBody") ? 1 : 0;
            AssertSplitIsBitIdentical(f, generator.N, seed, $"seed {seed}:\n{AD.ToCSharp(f)}");
        }
        Assert.True(split >= 30, $"only {split} programs had a loop nest to split");
        Assert.True(bodies >= 10, $"only {bodies} programs had a loop body to split out of a nest");
    }

    [Theory]
    [InlineData("gmm_test.txt")]
    [InlineData("1k_gmm_d2_K5.txt")]
    public void GmmGivesTheSameBitsSplitAsWhole(string file)
    {
        var data = GmmData.LoadFile(file);
        foreach (var f in new[] { GmmLoops.Objective(data), Gmm.Objective(data) })
        {
            Assert.True(NestCalls(PrimalPipeline.Run(f, outlineAbove: SplitEveryNest)) >= 2);
            AssertSplitIsBitIdentical(f, data.ParameterCount, 7, file);
        }
    }

    [Fact]
    public void OnlyLargeFunctionsAreSplitByDefault()
    {
        var gmm = GmmLoops.Objective(GmmData.LoadFile("gmm_test.txt"));
        Assert.True(NestCalls(GradientPipeline.Run(gmm, forCompiling: true)) >= 2);
        // The per-point nest of GMM's gradient: from d = 10 each component's forward loops, and their reverse, are methods
        // of their own; at d = 2 a component is too little work for a call.
        Assert.Equal(0, OutlinedMethods(GradientPipeline.Run(gmm, forCompiling: true)).Count(name => name == "loopBody"));
        var gmm10 = GmmLoops.Objective(GmmData.LoadFile("1k_gmm_d10_K5.txt"));
        Assert.Equal(2, OutlinedMethods(GradientPipeline.Run(gmm10, forCompiling: true)).Count(name => name == "loopBody"));
        // The LINQ form's trip counts are fields of the captured closure, unknown when emitting: its bodies count as
        // little work (each loop twice) and stay (measured: the call cost 2-3% at d = 2, gained 1-3% from d = 10).
        var linq10 = Gmm.Objective(GmmData.LoadFile("1k_gmm_d10_K5.txt"));
        Assert.DoesNotContain("loopBody", OutlinedMethods(GradientPipeline.Run(linq10, forCompiling: true)));
        Assert.True(NestCalls(PrimalPipeline.Run(gmm)) >= 1);
        // Shown trees are never split.
        Assert.Equal(0, NestCalls(AD.GradientExpression(gmm)));
        // A loss of a few hundred nodes, one loop nest: left whole.
        var mlp = new MlpRegressionLoss(20, 3, 4, seed: 1).Definition;
        Assert.Equal(0, NestCalls(GradientPipeline.Run(mlp, forCompiling: true)));
    }

    [Fact]
    public void ASplitGradientAllocatesNothingInTheSteadyState()
    {
        var data = GmmData.LoadFile("gmm_test.txt");
        var gradient = AD.Differentiate(GmmLoops.Objective(data));
        var x = data.InitialParameters();
        var g = new double[x.Length];
        for (var k = 0; k < 3; k++) gradient(x, g);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var k = 0; k < 20; k++) gradient(x, g);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}

/// <summary><see cref="LoopOutlining.Run"/> on hand-built statements: what it splits and what it leaves.</summary>
public class LoopOutliningStatementTests
{
    private static readonly ParameterExpression Sum = Expression.Variable(typeof(double), "sum");
    private static readonly ParameterExpression Counter = Expression.Variable(typeof(int), "i");
    private static readonly ParameterExpression Inner = Expression.Variable(typeof(int), "j");

    /// <summary><c>for (i = 0; i &lt; 3; i++) for (j = 0; j &lt; 4; j++) { sum += i * j; if (sum &gt; limit) goto leave; }</c>, padded to 200+ nodes.</summary>
    private static Expression Nest(LabelTarget? leave)
    {
        var innerDone = Expression.Label("innerDone");
        var outerDone = Expression.Label("outerDone");
        var padding = Enumerable.Range(0, 40).Select(k => (Expression)Expression.AddAssign(Sum, Expression.Constant(k * 0.0)));
        var innerBody = new List<Expression>
        {
            Expression.IfThen(Expression.Not(Expression.LessThan(Inner, Expression.Constant(4))), Expression.Break(innerDone)),
            Expression.AddAssign(Sum, Expression.Convert(Expression.Multiply(Counter, Inner), typeof(double))),
        };
        if (leave is not null) innerBody.Add(Expression.IfThen(Expression.GreaterThan(Sum, Expression.Constant(4.0)), Expression.Goto(leave)));
        innerBody.AddRange(padding);
        innerBody.Add(Expression.PreIncrementAssign(Inner));
        return Expression.Block(
            Expression.Assign(Counter, Expression.Constant(0)),
            Expression.Loop(Expression.Block(
                Expression.IfThen(Expression.Not(Expression.LessThan(Counter, Expression.Constant(3))), Expression.Break(outerDone)),
                Expression.Assign(Inner, Expression.Constant(0)),
                Expression.Loop(Expression.Block(innerBody), innerDone),
                Expression.PreIncrementAssign(Counter)), outerDone));
    }

    private static double Run(List<Expression> statements, LabelTarget? leave)
    {
        var body = new List<Expression> { Expression.Assign(Sum, Expression.Constant(0.0)) };
        body.AddRange(statements);
        if (leave is not null) body.Add(Expression.Label(leave));
        body.Add(Sum);
        return Expression.Lambda<Func<double>>(Expression.Block([Sum, Counter, Inner], body)).Compile()();
    }

    [Fact]
    public void ANestIsSplitAndItsWritesComeBack()
    {
        List<Expression> statements = [Nest(leave: null)];
        var split = LoopOutlining.Run(statements, [Sum], [Sum, Counter, Inner], minimumFunctionNodes: 0);
        Assert.IsAssignableFrom<InvocationExpression>(Assert.Single(split));
        Assert.Equal(Run(statements, null), Run(split, null));
        Assert.Equal(18.0, Run(split, null)); // (0 + 1 + 2) * (0 + 1 + 2 + 3)
    }

    [Fact]
    public void ANestThatJumpsOutOfItselfStaysWhereItIs()
    {
        var leave = Expression.Label("leave");
        List<Expression> statements = [Nest(leave)];
        var split = LoopOutlining.Run(statements, [Sum], [Sum, Counter, Inner], minimumFunctionNodes: 0);
        Assert.Same(statements[0], Assert.Single(split));
        Assert.Equal(6.0, Run(split, leave)); // leaves at i = 1, j = 3: 0 + 1 + 2 + 3
    }

    [Fact]
    public void ASmallFunctionIsLeftWhole()
    {
        List<Expression> statements = [Nest(leave: null)];
        Assert.Same(statements[0], Assert.Single(LoopOutlining.Run(statements, [Sum], [Sum, Counter, Inner], LoopOutlining.DefaultMinimumFunctionNodes)));
    }
}
