using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary>
/// Shapes found by the random programs with jumps, arrays and returns (<see cref="LoopProgramOptions.All"/>), each once
/// refused or wrong, checked in every mode.
/// </summary>
public class LoopJumpGapTests
{
    private static readonly ParameterExpression S = Double("s");
    private static readonly ParameterExpression Counter = Int("i");

    /// <summary>
    /// <c>s = 0; i = -1; loop(end, next) { i++; if (!(i &lt; n)) break; statements(i) } return s</c>: the counter advances
    /// first, so a continue anywhere is safe.
    /// </summary>
    private static Expression<Func<double[], double>> AdvanceFirstLoop(bool continueLabel, Func<LabelTarget, LabelTarget, Expression[]> statements)
    {
        var end = Expression.Label("end");
        var next = Expression.Label("next");
        var body = new List<Expression>
        {
            Expression.PreIncrementAssign(Counter),
            Expression.IfThen(Expression.Not(Expression.LessThan(Counter, Length)), Expression.Break(end)),
        };
        body.AddRange(statements(end, next));
        return Lambda(Expression.Block([S, Counter], Expression.Assign(S, C(0)), Expression.Assign(Counter, I(-1)),
            Expression.Loop(Expression.Block(typeof(void), body), end, continueLabel ? next : null), S));
    }

    private static Expression Xc => Xi(Counter);

    /// <summary>if (x[i] > 0.5) { s += x[i]^2; if (x[i] > 1.2) break; } if (s > 2) break; s += sin(x[i]).</summary>
    private static Expression[] NestedBreakThenBreak(LabelTarget end, LabelTarget next) =>
    [
        Expression.IfThen(Expression.GreaterThan(Xc, C(0.5)), Statements(
            Expression.AddAssign(S, Square(Xc)),
            Expression.IfThen(Expression.GreaterThan(Xc, C(1.2)), Expression.Break(end)))),
        Expression.IfThen(Expression.GreaterThan(S, C(2)), Expression.Break(end)),
        Expression.AddAssign(S, Sin(Xc)),
    ];

    private static readonly double[][] Points =
    [
        [0.3, 0.9, -0.4, 1.5, 0.7],
        [0.3, 0.9, 1.1, 0.8, -0.2],
        [-0.3, 0.2, -0.4, 0.1],
    ];

    [Fact]
    public void ANestedBreakFollowedByABreakWorksInALoopWithoutAContinueLabel()
    {
        var f = AdvanceFirstLoop(continueLabel: false, NestedBreakThenBreak);
        foreach (var x in Points) CheckAllModes(f, x);
    }

    /// <summary>
    /// The same loop with a continue label that nothing jumps to: the jump lowering appends
    /// <c>if (continued) continue;</c> after the nested break, and the translator then refuses the break that follows.
    /// </summary>
    [Fact]
    public void ANestedBreakFollowedByABreakWorksInALoopWithAnUnusedContinueLabel()
    {
        var f = AdvanceFirstLoop(continueLabel: true, NestedBreakThenBreak);
        foreach (var x in Points) CheckAllModes(f, x);
    }

    /// <summary><c>if (x[i] > 0.5) { s += x[i]^2; continue; } s += sin(x[i]);</c> — the plainest continue nested in a conditional.</summary>
    [Fact]
    public void AContinueAfterStatementsInABranchWorks()
    {
        var f = AdvanceFirstLoop(continueLabel: true, (_, next) =>
        [
            Expression.IfThen(Expression.GreaterThan(Xc, C(0.5)), Statements(Expression.AddAssign(S, Square(Xc)), Expression.Continue(next))),
            Expression.AddAssign(S, Sin(Xc)),
        ]);
        foreach (var x in Points) CheckAllModes(f, x);
    }

    /// <summary>
    /// <c>if (x[i] &gt; 0.5) s += x[i]^2; else continue; s += sin(x[i]) x[i];</c>: the continue in the else branch (refused as
    /// "a Conditional node" before; found by the random programs, seed 400523). The second term runs only where x[i] &gt; 0.5.
    /// </summary>
    [Fact]
    public void AContinueInTheElseBranchWorks()
    {
        var f = AdvanceFirstLoop(continueLabel: true, (_, next) =>
        [
            Expression.IfThenElse(Expression.GreaterThan(Xc, C(0.5)), Expression.AddAssign(S, Square(Xc)), Expression.Continue(next)),
            Expression.AddAssign(S, Mul(Sin(Xc), Xc)),
        ]);
        foreach (var x in Points)
        {
            var expected = x.Select(xi => xi > 0.5 ? 2 * xi + Math.Cos(xi) * xi + Math.Sin(xi) : 0).ToArray();
            var gradient = new double[x.Length];
            AD.Differentiate(f)(x, gradient);
            Numeric.AssertClose(expected, gradient, 1e-14);
            CheckAllModes(f, x);
        }
    }

    /// <summary><c>s += sin(x[i]); if (s &gt; 1.5) break; else continue;</c>: a break with a continue in its else branch is a loop exit.</summary>
    [Fact]
    public void ABreakWithAContinueInTheElseBranchWorks()
    {
        var f = AdvanceFirstLoop(continueLabel: true, (end, next) =>
        [
            Expression.AddAssign(S, Sin(Xc)),
            Expression.IfThenElse(Expression.GreaterThan(S, C(1.5)), Expression.Break(end), Expression.Continue(next)),
        ]);
        foreach (var x in Points) CheckAllModes(f, x);
    }

    /// <summary><c>if (x[i] > 0.5) { if (x[i] > 1.2) break; continue; } if (s > 2) break; s += sin(x[i]);</c></summary>
    [Fact]
    public void ABreakAfterANestedContinueWorks()
    {
        var f = AdvanceFirstLoop(continueLabel: true, (end, next) =>
        [
            Expression.IfThen(Expression.GreaterThan(Xc, C(0.5)), Statements(
                Expression.AddAssign(S, Square(Xc)),
                Expression.IfThen(Expression.GreaterThan(Xc, C(1.2)), Expression.Break(end)),
                Expression.Continue(next))),
            Expression.IfThen(Expression.GreaterThan(S, C(2)), Expression.Break(end)),
            Expression.AddAssign(S, Sin(Xc)),
        ]);
        foreach (var x in Points) CheckAllModes(f, x);
    }

    /// <summary>
    /// A fill loop, a loop accumulating into a second array at computed indices with a return nested in a branch,
    /// and a loop reading both: accepted, and right in every mode.
    /// </summary>
    [Theory]
    [InlineData(new[] { 0.3, -0.8, 1.1, 0.5, -0.2 })]
    [InlineData(new[] { 0.3, -0.8, 2.6, 0.5, -0.2 })]
    [InlineData(new[] { -1.0, 0.4 })]
    public void FillAccumulateReadWithAReturnInALoop(double[] x)
    {
        var ret = Expression.Label(typeof(double), "ret");
        var w = Expression.Variable(typeof(double[]), "w");
        var acc = Expression.Variable(typeof(double[]), "acc");
        Expression W(Expression i) => Expression.ArrayAccess(w, i);
        Expression Acc(Expression i) => Expression.ArrayAccess(acc, i);
        var f = Lambda(Expression.Block([w, acc, S],
            Expression.Assign(w, Expression.NewArrayBounds(typeof(double), Length)),
            Expression.Assign(acc, Expression.NewArrayInit(typeof(double), C(0.5), Xi(0), C(0))),
            Expression.Assign(S, C(0)),
            For("i", I(0), Length, i => Expression.Assign(W(i), Tanh(Mul(Xi(i), Xi(Sub(Sub(Length, I(1)), i)))))),
            For("i", I(0), Length, i => Statements(
                Expression.IfThen(Expression.GreaterThan(Add(W(i), Xi(i)), C(2.5)), Expression.Return(ret, Mul(S, Xi(i)))),
                Expression.AddAssign(Acc(Expression.Modulo(Add(Mul(i, I(3)), I(1)), Expression.ArrayLength(acc))), Mul(W(i), Sin(Xi(i)))),
                Expression.AddAssign(S, Mul(C(0.1), W(Expression.Modulo(Add(i, I(2)), Length)))))),
            For("k", I(0), I(3), k => Expression.AddAssign(S, Square(Acc(k)))),
            Expression.Label(ret, S)));
        CheckAllModes(f, x);
    }

    /// <summary>
    /// <c>for (i...) { if (x[i] &gt; -2) return tanh(x[i]); if (1.16 &gt;= -0.59) return -0.15; } return 0</c>: the return value is
    /// a constant before the loop and whenever the loop goes round, and depends on x only at the exit that hands out
    /// tanh(x[i]). Both modes used to drop that exit's derivative and return a zero gradient (found by the random depth-4
    /// programs, seed 500191).
    /// </summary>
    [Theory]
    [InlineData(new[] { -1.0002814603505104 })]
    [InlineData(new[] { 0.7, -0.3 })]
    [InlineData(new[] { -2.5, 0.4, 1.1 })]
    public void ReturnValueActiveOnlyAtAnExit(double[] x)
    {
        var ret = Expression.Label(typeof(double), "ret");
        var f = Lambda(Expression.Block([Counter], Expression.Assign(Counter, I(-1)),
            Expression.Loop(Statements(
                Expression.PreIncrementAssign(Counter),
                Expression.IfThen(Expression.Not(Expression.LessThan(Counter, Length)), Expression.Return(ret, C(0))),
                Expression.IfThen(Expression.GreaterThan(Xc, C(-2)), Expression.Return(ret, Tanh(Xc))),
                Expression.IfThen(Expression.GreaterThanOrEqual(C(1.16), C(-0.59)), Expression.Return(ret, C(-0.15))))),
            Expression.Label(ret, C(0))));
        var expected = new double[x.Length];
        if (x[0] > -2) expected[0] = 1 - Math.Tanh(x[0]) * Math.Tanh(x[0]);
        var gradient = new double[x.Length];
        AD.Differentiate(f)(x, gradient);
        Assert.Equal(expected, gradient);
        var v = FiniteDifferences.RandomUnitDirection(new Random(x.Length), x.Length);
        Assert.Equal(expected[0] * v[0], AD.DirectionalDerivative(f)(x, v), 1e-15);
        CheckAllModes(f, x);
    }

    /// <summary>
    /// <c>for i { for j { if (x[j] x[i] &gt; 50) return x[j]; } for r: y[r] = sin(x[r] x[i]); for r: s += y[r]^2; }</c>: a scratch
    /// array refilled after an inner loop that may return. The refill must stay at the top level of the loop body to be
    /// recognised, so the return leaves the loop right after the inner one here, not from a guard around the rest.
    /// </summary>
    [Theory]
    [InlineData(new[] { 0.3, -0.7, 1.1 })]
    [InlineData(new[] { 8.0, 7.5, -0.2 })]
    public void AScratchRefillAfterAnInnerLoopThatReturns(double[] x)
    {
        var ret = Expression.Label(typeof(double), "ret");
        var y = Expression.Variable(typeof(double[]), "y");
        var f = Lambda(Expression.Block([S, y],
            Expression.Assign(S, C(0)),
            Expression.Assign(y, Expression.NewArrayBounds(typeof(double), Length)),
            For("i", I(0), Length, i => Statements(
                For("j", I(0), Length, j => Expression.IfThen(Expression.GreaterThan(Mul(Xi(j), Xi(i)), C(50)), Expression.Return(ret, Xi(j))),
                    shape: LoopShape.BreakFirst),
                For("r", I(0), Length, r => Expression.Assign(Expression.ArrayAccess(y, r), Sin(Mul(Xi(r), Xi(i)))), shape: LoopShape.BreakFirst),
                For("r", I(0), Length, r => Expression.AddAssign(S, Square(Expression.ArrayAccess(y, r))), shape: LoopShape.BreakFirst)),
                shape: LoopShape.BreakFirst),
            Expression.Label(ret, S)));
        CheckAllModes(f, x);
    }

    /// <summary>
    /// <c>{ int t = i; if (x[i] &gt; 0) continue; } s += x[i]^2;</c> (with and without the block's variable): a continue in a
    /// block that the body's other statements follow, the shape a lowered switch with a continue in a case has (found by the
    /// random programs with switches). The block is opened into the body; it was refused.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AContinueInsideANestedBlockFollowedByStatementsWorks(bool blockVariable)
    {
        var t = Int("t");
        var f = AdvanceFirstLoop(continueLabel: true, (_, next) =>
        [
            blockVariable
                ? Expression.Block([t], Expression.Assign(t, Counter), Expression.IfThen(Expression.GreaterThan(Xc, C(0)), Expression.Continue(next)))
                : Expression.Block(Expression.IfThen(Expression.GreaterThan(Xc, C(0)), Expression.Continue(next))),
            Expression.AddAssign(S, Square(Xc)),
        ]);
        foreach (var x in Points) CheckAllModes(f, x);
        Assert.Equal([0.0, -4, -6], Numeric.Evaluate(AD.Differentiate(f), 1.0, -2.0, -3.0).Gradient);
    }

    /// <summary>Gradient (values, determinism, finite differences), forward mode and the Hessian-vector product (differences of the gradient).</summary>
    private static void CheckAllModes(Expression<Func<double[], double>> f, double[] x)
    {
        var g = LoopCheck.Run(f, x, seed: x.Length, perCoordinate: true);
        var v = FiniteDifferences.RandomUnitDirection(new Random(x.Length), x.Length);
        Assert.Equal(FiniteDifferences.Dot(g, v), AD.DirectionalDerivative(f)(x, v), 1e-12);
        var product = new double[x.Length];
        Numeric.AssertSameBits(f.Compile()(x), AD.HessianVectorProduct(f)(x, v, product), "Hessian-vector product's value");
        var gradient = AD.Differentiate(f);
        const double h = 1e-5;
        var plus = new double[x.Length];
        var minus = new double[x.Length];
        gradient(FiniteDifferences.Offset(x, v, h), plus);
        gradient(FiniteDifferences.Offset(x, v, -h), minus);
        for (var i = 0; i < x.Length; i++)
            Assert.True(Math.Abs((plus[i] - minus[i]) / (2 * h) - product[i]) <= 1e-5 * (1 + Math.Abs(product[i])),
                $"(Hv)[{i}] = {product[i]}, differences of the gradient {(plus[i] - minus[i]) / (2 * h)}");
    }

    /// <summary>
    /// Two generated programs (depth-4 nests with arrays, nested jumps and returns) whose Hessian-vector product tree the CLR
    /// used to reject (InvalidProgramException): seed 300916 has 797 nodes, and its gradient tree had 307,950 nodes with
    /// 34,559 block variables, its HVP tree 67,459 variables, past the 65,535 locals a method may have (seed 302621: 735
    /// nodes; 565,397 and 110,341). With the exits of nested jumps and returns at the top of the next iteration
    /// (<see cref="Lowering.LoopJumpLowering"/>, <see cref="Lowering.ReturnLowering"/>) the gradient trees have 9,936 and 10,219 nodes.
    /// </summary>
    [Theory]
    [InlineData(300916)]
    [InlineData(302621)]
    public void HessianVectorProductOfAGeneratedDepthFourProgramCompiles(int seed)
    {
        var f = new LoopProgramGenerator(seed, LoopProgramOptions.All with { MaxDepth = 4 }).Program();
        AD.Differentiate(f);
        AD.DirectionalDerivative(f);
        AD.HessianVectorProduct(f);
    }

    /// <summary>
    /// <c>for i1 { s += sin(s x[i1]); if (s > 3) return s x[i1]; for i2 { ... for id { ... } } }</c>: without the returns the
    /// gradient tree grows linearly with the depth d (157, 349, 590, 880, 1219 nodes for d = 1..5). With them it used to about
    /// double per level (7739, 17475, 37267 nodes for d = 3..5), which is how generated depth-4 programs reached the CLR's limits
    /// (<see cref="HessianVectorProductOfAGeneratedDepthFourProgramCompiles"/>); now each level adds a little more than the one
    /// before (2473, 3806, 5381): the reverse of a level holds the forward code of the levels inside it, once.
    /// </summary>
    /// <remarks>
    /// In both loop shapes: the guarded one's return breaks are nested in its branch (<see cref="Lowering.LoopJumpLowering"/>
    /// turns them into a flag), the other's come after the inner loop at the top level (<see cref="Lowering.ReturnLowering"/>).
    /// </remarks>
    [Theory]
    [InlineData(LoopShape.Guarded)]
    [InlineData(LoopShape.BreakFirst)]
    public void GradientTreeOfNestedReturnsDoesNotDoubleWithDepth(LoopShape shape)
    {
        var sizes = Enumerable.Range(3, 3).Select(d => TreeNodes.In(AD.GradientExpression(NestedReturns(d, shape))).Count).ToArray();
        Assert.True(sizes[2] - sizes[1] <= 1.5 * (sizes[1] - sizes[0]), $"gradient tree sizes for depths 3, 4, 5: {string.Join(", ", sizes)}");
    }

    [Theory]
    [InlineData(LoopShape.Guarded)]
    [InlineData(LoopShape.BreakFirst)]
    public void NestedReturnsHaveRightDerivatives(LoopShape shape)
    {
        foreach (var depth in new[] { 3, 4 })
            foreach (var x in Points) CheckAllModes(NestedReturns(depth, shape), x);
    }

    private static Expression<Func<double[], double>> NestedReturns(int depth, LoopShape shape)
    {
        var ret = Expression.Label(typeof(double), "ret");
        Expression Nest(int level) => For($"i{level}", I(0), Length, i => Statements(
            Expression.AddAssign(S, Sin(Mul(S, Xi(i)))),
            Expression.IfThen(Expression.GreaterThan(S, C(3)), Expression.Return(ret, Mul(S, Xi(i)))),
            level == depth ? Expression.Empty() : Nest(level + 1)), shape: shape);
        return Lambda(Expression.Block([S], Expression.Assign(S, C(0.5)), Nest(1), Expression.Label(ret, S)));
    }
}
