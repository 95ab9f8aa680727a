using System.Linq.Expressions;
using System.Text.RegularExpressions;
using ExprAD.Benchmarks.Shared;
using ExprAD.Compilation;
using ExprAD.Tests.TestSupport;
using ExprAD.Tests.Vector;
using Xunit.Abstractions;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary>
/// Start-state replays (<c>ReverseSweep.StartStateReplays</c>): the reverse of a time step that restored its state
/// array no longer runs the step's in-place sweep again to tape its reads; the sweep's reverse reads the restored
/// array. Checked on the code (the reverse calls no sin and pushes nothing per point), against the gradient built
/// without the plan (which recomputes the sweep), central differences per coordinate, forward mode and second order,
/// and on random sweeps (<see cref="SweepProgramGenerator"/>) of every shape the plan must take or leave.
/// </summary>
public class StartStateReplayTests(ITestOutputHelper output)
{
    private static readonly ParameterExpression U = Expression.Variable(typeof(double[]), "u");
    private static readonly ParameterExpression S = Double("s");
    private const double Rate = InPlaceSweeps.Rate;

    private static Expression At(Expression i) => Expression.ArrayAccess(U, i);

    private static Expression At(ParameterExpression i, int offset) => Expression.ArrayAccess(U, Add(i, I(offset)));

    /// <summary><c>u = copy of x; for t &lt; steps: step; return sum u[i]^2</c>.</summary>
    private static Expression<Func<double[], double>> Steps(int steps, Func<Expression> step)
        => Lambda(Expression.Block([U, S],
            Expression.Assign(U, Expression.NewArrayBounds(typeof(double), Length)),
            For("i", I(0), Length, i => Expression.Assign(At(i), Xi(i))),
            For("t", I(0), I(steps), _ => step()),
            Expression.Assign(S, C(0)),
            For("i", I(0), Length, i => Expression.AddAssign(S, Square(At(i)))),
            S));

    private static string Code(Expression<Func<double[], double>> f, bool startStateReplays = true)
        => AD.ToCSharp(GradientPipeline.Run(f, startStateReplays: startStateReplays));

    private static int Count(string code, string pattern) => Regex.Matches(code, pattern).Count;

    /// <summary>The gradient built without start-state replays: the sweep recomputed in each step's reverse, as before.</summary>
    private static double[] RecomputingGradient(Expression<Func<double[], double>> f, double[] x)
        => Numeric.Evaluate(GradientPipeline.Run(f, forCompiling: true, startStateReplays: false).Compile(), (double[])x.Clone()).Gradient;

    private static void AssertAllModes(Expression<Func<double[], double>> f, double[] x, int seed)
    {
        var g = LoopCheck.Run(f, x, seed, RecomputingGradient(f, x), handTolerance: 1e-12, perCoordinate: true);
        InPlaceArrayTests.AssertForwardAndSecondOrder(f, x, g, seed);
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(4, 7)]
    [InlineData(12, 10)]
    public void AGaussSeidelStepIsReversedFromItsRestoredStateWithoutRunningTheSweepAgain(int steps, int n)
    {
        var sweeps = new InPlaceSweeps(steps);
        var code = Code(sweeps.Definition);
        // One sin (the forward sweep), one cos (its reverse); the reverse pushes nothing per point (the state copy per step stays).
        Assert.Equal(1, Count(code, @"Math\.Sin\("));
        Assert.Equal(1, Count(code, @"Math\.Cos\("));
        Assert.Equal(0, Count(code, @"tape\.Push\("));
        var old = Code(sweeps.Definition, startStateReplays: false);
        Assert.Equal(2, Count(old, @"Math\.Sin\("));

        var x = FiniteDifferences.RandomPoint(new Random(n), n, -1, 1);
        var hand = new double[n];
        sweeps.ValueAndGradient(x, hand);
        var g = LoopCheck.Run(sweeps.Definition, x, n, hand, perCoordinate: true);
        LoopCheck.AssertClose(RecomputingGradient(sweeps.Definition, x), g, 1e-13, "with and without the start-state replay");
        InPlaceArrayTests.AssertForwardAndSecondOrder(sweeps.Definition, x, g, n);
    }

    [Fact]
    public void ASweepCountingDownReadsTheElementsBelowItFromTheRestoredState()
    {
        // for i = n-2 down to 1: u[i] += c (sin(u[i-1]) - 2 u[i] + u[i+1]): u[i+1] is already updated (enters linearly), u[i-1] not yet.
        var f = Steps(5, () => ForDown("i", Sub(Length, I(2)), I(1), i =>
            Expression.AddAssign(At(i), Mul(C(Rate), Add(Sub(Sin(At(i, -1)), Mul(C(2), At(i))), At(i, 1))))));
        // i = i - 1 is an induction counter like i = i + 1 (recomputed from the iteration index, not taped): the sweep qualifies.
        var code = Code(f);
        Assert.Equal(1, Count(code, @"Math\.Sin\("));
        Assert.Equal(0, Count(code, @"tape\.Push\("));
        AssertAllModes(f, FiniteDifferences.RandomPoint(new Random(3), 8, -1, 1), 3);
    }

    [Fact]
    public void RedBlackHalfSweepsOfStepTwoAreReplayedFromTheStateBeforeTheLastOne()
    {
        // Odd points, then even points, each u[i] += c (u[i-1] - 2 u[i] + tanh(u[i+1])). The even half-sweep is the step's last
        // code to touch u: it is replayed from the state the odd half-sweep left (really recomputed, its own reads taped).
        Expression Half(int first) => For("i" + first, I(first), Sub(Length, I(1)), i =>
            Expression.AddAssign(At(i), Mul(C(Rate), Add(Sub(At(i, -1), Mul(C(2), At(i))), Tanh(At(i, 1))))), step: 2);
        var f = Steps(4, () => Statements(Half(1), Half(2)));
        Assert.NotEqual(Code(f, startStateReplays: false), Code(f));
        AssertAllModes(f, FiniteDifferences.RandomPoint(new Random(4), 9, -1, 1), 4);
    }

    [Fact]
    public void ASweepWhoseDerivativeNeedsAnUpdatedElementIsBuiltAgainWithoutThePlan()
    {
        // u[i] += c u[i-1] sin(u[i+1]): the partial in sin(u[i+1]) is c u[i-1], the value u[i-1] got earlier in the sweep, which a
        // replay from the start state does not have. The emitter refuses the first build; the second recomputes the sweep.
        var f = Steps(3, () => For("i", I(1), Sub(Length, I(1)), i =>
            Expression.AddAssign(At(i), Mul(Mul(C(Rate), At(i, -1)), Sin(At(i, 1))))));
        Assert.Equal(Code(f, startStateReplays: false), Code(f));
        AssertAllModes(f, FiniteDifferences.RandomPoint(new Random(5), 7, -1, 1), 5);
    }

    [Fact]
    public void ASweepFollowedByAReadOfTheStateInTheSameStepIsRecomputed()
    {
        // After the sweep the step reads u (a += 0.1 tanh u[j]): that read needs the state the sweep left, so the sweep runs again.
        var a = Double("a");
        var f = Lambda(Expression.Block([U, S, a],
            Expression.Assign(U, Expression.NewArrayBounds(typeof(double), Length)),
            For("i", I(0), Length, i => Expression.Assign(At(i), Xi(i))),
            Expression.Assign(a, C(0)),
            For("t", I(0), I(3), _ => Statements(
                For("i", I(1), Sub(Length, I(1)), i => Expression.AddAssign(At(i), Mul(C(Rate), Add(Sub(At(i, -1), Mul(C(2), At(i))), Sin(At(i, 1)))))),
                For("j", I(0), Length, j => Expression.AddAssign(a, Mul(C(0.1), Tanh(At(j))))))),
            Expression.Assign(S, a),
            For("i", I(0), Length, i => Expression.AddAssign(S, Square(At(i)))),
            S));
        Assert.Equal(Code(f, startStateReplays: false), Code(f));
        AssertAllModes(f, FiniteDifferences.RandomPoint(new Random(6), 6, -1, 1), 6);
    }

    [Theory]
    [InlineData(2)] // fewer outputs than inputs: reverse mode, one gradient per output, with the plan
    [InlineData(9)] // more: forward mode
    public void AVectorFunctionOfSweptStateHasTheRightJacobian(int outputs)
    {
        const int n = 6;
        var f = Expression.Lambda<Func<double[], double[]>>(Expression.Block([U],
            Expression.Assign(U, Expression.NewArrayBounds(typeof(double), Length)),
            For("i", I(0), Length, i => Expression.Assign(At(i), Xi(i))),
            For("t", I(0), I(4), _ => For("i", I(1), Sub(Length, I(1)), i =>
                Expression.AddAssign(At(i), Mul(C(Rate), Add(Sub(At(i, -1), Mul(C(2), At(i))), Sin(At(i, 1))))))),
            Expression.NewArrayInit(typeof(double), Enumerable.Range(0, outputs).Select(k => Mul(C(k + 1), Sin(At(I(k % n))))))), X);
        var x = FiniteDifferences.RandomPoint(new Random(7), n, -1, 1);
        InPlaceArrayTests.AssertJacobianMatchesDifferences(f, x, outputs);
    }

    /// <summary>
    /// Random sweeps: each gradient equals the recomputing one to 1e-12 and central differences per coordinate, its value the
    /// bits of f.Compile(); every fourth program also through forward mode, the Hessian and the Hessian-vector product.
    /// Not vacuous: a quarter or more of the programs must have had their code changed by the plan (75 of 240 when written; most
    /// others have a sweep whose derivative needs an updated element, built again without the plan, or a read after the sweep).
    /// </summary>
    [Fact]
    public void RandomInPlaceSweepsAgreeWithTheRecomputingReverseInEveryMode()
    {
        const int programs = 240;
        var changed = 0;
        for (var seed = 0; seed < programs; seed++)
        {
            var f = new SweepProgramGenerator(seed).Program();
            var rng = new Random(seed);
            var x = FiniteDifferences.RandomPoint(rng, rng.Next(SweepProgramGenerator.MinLength, 10), -1, 1);
            try
            {
                if (Code(f) != Code(f, startStateReplays: false)) changed++;
                var g = LoopCheck.Run(f, x, seed, RecomputingGradient(f, x), handTolerance: 1e-12, perCoordinate: true);
                if (seed % 4 == 0) InPlaceArrayTests.AssertForwardAndSecondOrder(f, x, g, seed);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Assert.Fail($"seed {seed}, x = [{FiniteDifferences.Format(x)}]: {e.Message}\n{AD.ToCSharp(f)}");
            }
        }
        output.WriteLine($"{programs} programs, {changed} changed by start-state replays");
        Assert.InRange(changed, programs / 4, programs);
    }
}
