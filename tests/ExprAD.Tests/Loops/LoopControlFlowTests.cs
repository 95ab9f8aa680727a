using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary>
/// Loop control flow: data-dependent exits, several exits, breaks in the middle of the body, nested loops,
/// conditionals inside loops and loops inside conditionals, loops that run zero times, counters that step by
/// more than one or count down, carried int and bool values. Every case is checked by <see cref="LoopCheck"/>
/// against finite differences and, where given, a gradient written by hand.
/// </summary>
public class LoopControlFlowTests
{
    private static Expression Block(ParameterExpression[] variables, params Expression[] expressions) => Expression.Block(variables, expressions);

    // --- while loops with data-dependent exits -------------------------------------------------------------

    /// <summary><c>s = 1; loop { if (s &gt; 10) break; s = s * x0 + x1; } return s;</c></summary>
    private static Expression<Func<double[], double>> IterateUntilAboveTen(bool whileHelper)
    {
        var s = Double("s");
        var step = Expression.Assign(s, Add(Mul(s, Xi(0)), Xi(1)));
        var loop = whileHelper
            ? While(Expression.LessThanOrEqual(s, C(10)), step)
            : Loop(end => Statements(BreakIf(Expression.GreaterThan(s, C(10)), end), step));
        return Lambda(Block([s], Expression.Assign(s, C(1)), loop, s));
    }

    [Theory]
    [InlineData(new[] { 0.5, 1.5, 2.5, 0.7 })]
    [InlineData(new[] { 0.5, 1.5, 1.8, 0.7 })]
    public void BreakAfterStatementsInABranch(double[] x)
    {
        // s = 0; for i: { if (x[i] > 2) { s += x[i] * x[i]; break; } s += sin(x[i]); }
        var s = Double("s");
        var f = Lambda(Expression.Block([s], Expression.Assign(s, C(0)),
            For("i", I(0), Length, (i, end) => Statements(
                Expression.IfThen(Expression.GreaterThan(Xi(i), C(2)), Statements(Expression.AddAssign(s, Square(Xi(i))), Expression.Break(end))),
                Expression.AddAssign(s, Sin(Xi(i))))),
            s));
        var hand = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            if (x[i] > 2) { hand[i] = 2 * x[i]; break; }
            hand[i] = Math.Cos(x[i]);
        }
        LoopCheck.Run(f, x, seed: 11, hand);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WhileLoopWithADataDependentExit(bool whileHelper)
    {
        var f = IterateUntilAboveTen(whileHelper);
        var checkedPoints = 0;
        for (var seed = 0; seed < 20; seed++)
        {
            var rng = new Random(seed);
            double[] x = [1.1 + 0.5 * rng.NextDouble(), 0.2 + 0.8 * rng.NextDouble()];
            // Forward mode by hand; also the margins of the exit test, so that the step of the finite
            // difference cannot change the trip count.
            double s = 1, d0 = 0, d1 = 0, previous = double.NaN;
            var trips = 0;
            while (!(s > 10))
            {
                (d0, d1) = (d0 * x[0] + s, d1 * x[0] + 1);
                previous = s;
                s = s * x[0] + x[1];
                trips++;
            }
            if (s - 10 < 1e-3 || 10 - previous < 1e-3) continue;
            Assert.InRange(trips, 3, 30);
            LoopCheck.Run(f, x, seed, [d0, d1], perCoordinate: true, context: $"iterate until > 10 ({trips} trips)");
            checkedPoints++;
        }
        Assert.True(checkedPoints >= 15, $"only {checkedPoints} points were far enough from a change of trip count");
    }

    /// <summary>
    /// Newton's iteration for sqrt(x0), times x1:
    /// <c>y = x0; it = 0; loop { if (|y*y - x0| &lt; 1e-12) break; if (it &gt;= cap) break; y = (y + x0 / y) / 2; it++; } return y * x1;</c>
    /// </summary>
    private static Expression<Func<double[], double>> NewtonSqrt(int cap)
    {
        var y = Double("y");
        var it = Int("it");
        var loop = Loop(end => Statements(
            BreakIf(Expression.LessThan(Abs(Sub(Mul(y, y), Xi(0))), C(1e-12)), end),
            BreakIf(Expression.GreaterThanOrEqual(it, I(cap)), end),
            Expression.Assign(y, Mul(C(0.5), Add(y, Div(Xi(0), y)))),
            Expression.PreIncrementAssign(it)));
        return Lambda(Block([y, it], Expression.Assign(y, Xi(0)), Expression.Assign(it, I(0)), loop, Mul(y, Xi(1))));
    }

    [Theory]
    [InlineData(0.5, 1.5)]
    [InlineData(2, -0.7)]
    [InlineData(9, 2)]
    [InlineData(20, 1)]
    public void NewtonIterationForSqrtConvergesToTheDerivativeOfSqrt(double x0, double x1)
    {
        // The derivative of the converged iterate is the derivative of sqrt (to about the residual).
        var f = NewtonSqrt(cap: 100);
        var root = Math.Sqrt(x0);
        double[] expected = [x1 / (2 * root), root];
        LoopCheck.Run(f, [x0, x1], 3, expected, handTolerance: 1e-9, perCoordinate: true, context: "Newton sqrt");
    }

    [Theory]
    [InlineData(10, 1.5)]
    [InlineData(30, -2)]
    public void NewtonIterationStoppedByItsIterationCap(double x0, double x1)
    {
        const int cap = 3;
        var f = NewtonSqrt(cap);
        // Forward mode by hand for exactly three steps; check first that the cap is what stops the loop.
        double y = x0, dy = 1;
        for (var k = 0; k < cap; k++)
        {
            Assert.False(Math.Abs(y * y - x0) < 1e-12, "test expectation: the residual exit must not be taken");
            (y, dy) = (0.5 * (y + x0 / y), 0.5 * (dy + (y - x0 * dy) / (y * y)));
        }
        Assert.False(Math.Abs(y * y - x0) < 1e-12);
        LoopCheck.Run(f, [x0, x1], 4, [x1 * dy, y], perCoordinate: true, context: "Newton sqrt, capped");
    }

    // --- breaks in the middle ------------------------------------------------------------------------------

    /// <summary><c>s = 0; p = 1; i = 0; loop { if (i &gt;= n) break; s += x[i]^2; if (s &gt; 5) break; p *= 1 + sin(x[i]) / 2; i++; } return s + p;</c></summary>
    private static Expression<Func<double[], double>> BreakInTheMiddle()
    {
        var (s, p, i) = (Double("s"), Double("p"), Int("i"));
        var loop = Loop(end => Statements(
            BreakIf(Expression.GreaterThanOrEqual(i, Length), end),
            Expression.AddAssign(s, Square(Xi(i))),
            BreakIf(Expression.GreaterThan(s, C(5)), end),
            Expression.MultiplyAssign(p, Add(C(1), Mul(C(0.5), Sin(Xi(i))))),
            Expression.PostIncrementAssign(i)));
        return Lambda(Block([s, p, i], Expression.Assign(s, C(0)), Expression.Assign(p, C(1)), Expression.Assign(i, I(0)), loop, Add(s, p)));
    }

    [Theory]
    [InlineData(1, -0.5, 0.5, false)]
    [InlineData(2, 1.0, 1.5, true)]
    [InlineData(3, -1.6, 1.6, true)]
    [InlineData(4, -0.2, 0.2, false)]
    public void BreakInTheMiddleOfTheBody(int seed, double lo, double hi, bool expectMiddleBreak)
    {
        var x = LoopCheck.RandomPoint(seed, 8, lo, hi);
        // The plain loop, noting which entries went into s and which into p.
        var (g, s, p) = (new double[x.Length], 0.0, 1.0);
        var middleBreak = false;
        var multiplied = new List<int>();
        for (var i = 0; i < x.Length; i++)
        {
            s += x[i] * x[i];
            g[i] += 2 * x[i];
            Assert.True(Math.Abs(s - 5) > 1e-4, "test point too close to the exit threshold");
            if (s > 5) { middleBreak = true; break; }
            p *= 1 + 0.5 * Math.Sin(x[i]);
            multiplied.Add(i);
        }
        Assert.Equal(expectMiddleBreak, middleBreak);
        foreach (var i in multiplied) g[i] += p * 0.5 * Math.Cos(x[i]) / (1 + 0.5 * Math.Sin(x[i]));
        LoopCheck.Run(BreakInTheMiddle(), x, seed, g, perCoordinate: true, context: "break in the middle");
    }

    [Fact]
    public void BreakAsTheLastStatementEndsTheFirstIteration()
    {
        // loop { s = s * x0 + x1; break; } runs the body exactly once.
        var s = Double("s");
        var f = Lambda(Block([s], Expression.Assign(s, Xi(2)),
            Loop(end => Statements(Expression.Assign(s, Add(Mul(s, Xi(0)), Xi(1))), Expression.Break(end))), s));
        double[] x = [1.5, -0.5, 2];
        LoopCheck.Run(f, x, 5, [x[2], 1, x[0]], perCoordinate: true, context: "unconditional break");
    }

    [Fact]
    public void IfElseWhoseElseBranchBreaks()
    {
        // loop { if (s < 3) { s = s + x0 * x0; k++; } else break; } with the counter also carried.
        var (s, k) = (Double("s"), Int("k"));
        var end = Expression.Label("end");
        var loop = Expression.Loop(Expression.IfThenElse(Expression.LessThan(s, C(3)),
            Statements(Expression.Assign(s, Add(s, Square(Xi(0)))), Expression.PostIncrementAssign(k)),
            Expression.Break(end)), end);
        var f = Lambda(Block([s, k], Expression.Assign(s, Xi(1)), Expression.Assign(k, I(0)), loop, Mul(s, ToDouble(k))));
        double[] x = [0.7, 0.3];
        // 0.3 + k * 0.49 >= 3 first for k = 6; f = 6 * (x1 + 6 x0^2)
        LoopCheck.Run(f, x, 6, [6 * 6 * 2 * x[0], 6], perCoordinate: true, context: "if/else break");
    }

    // --- nested loops ----------------------------------------------------------------------------------------

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(5, 3)]
    [InlineData(9, 4)]
    public void TriplyNestedLoopsWithDependentRanges(int n, int seed)
    {
        // for i < n, j <= i, k in [j, n): s += x[i] sin(x[j] x[k]) + 0.1 (i - j + k) x[k]
        var s = Double("s");
        var loops = For("i", I(0), Length, i =>
            For("j", I(0), Add(i, I(1)), j =>
                For("k", j, Length, k => Expression.AddAssign(s, Add(
                    Mul(Xi(i), Sin(Mul(Xi(j), Xi(k)))),
                    Mul(Mul(C(0.1), ToDouble(Add(Sub(i, j), k))), Xi(k)))), style: StepStyle.PreIncrement),
                shape: LoopShape.BreakFirst));
        var f = Lambda(Block([s], Expression.Assign(s, C(0)), loops, s));

        var x = LoopCheck.RandomPoint(seed, n, -1.5, 1.5);
        var g = new double[n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j <= i; j++)
                for (var k = j; k < n; k++)
                {
                    var c = x[i] * Math.Cos(x[j] * x[k]);
                    g[i] += Math.Sin(x[j] * x[k]);
                    g[j] += c * x[k];
                    g[k] += c * x[j] + 0.1 * (i - j + k);
                }
        LoopCheck.Run(f, x, seed, g, perCoordinate: true, context: "triple nest");
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(4, 2)]
    [InlineData(7, 3)]
    public void TriplyNestedRecurrencesCarriedThroughEveryLevel(int n, int seed)
    {
        // p = 1; for i { q = x[i]; for j < 3 { r = 0; for k in [j, n) r = r/2 + x[k] q; q = tanh(q + r); } p = 0.9 p + q^2; }
        var (p, q, r) = (Double("p"), Double("q"), Double("r"));
        var loops = For("i", I(0), Length, i => Statements(
            Expression.Assign(q, Xi(i)),
            For("j", I(0), I(3), j => Statements(
                Expression.Assign(r, C(0)),
                For("k", j, Length, k => Expression.Assign(r, Add(Mul(r, C(0.5)), Mul(Xi(k), q)))),
                Expression.Assign(q, Tanh(Add(q, r))))),
            Expression.Assign(p, Add(Mul(p, C(0.9)), Square(q)))));
        var f = Lambda(Block([p, q, r], Expression.Assign(p, C(1)), loops, p));

        var x = LoopCheck.RandomPoint(seed, n, -1, 1);
        double pv = 1;
        for (var i = 0; i < n; i++)
        {
            var qv = x[i];
            for (var j = 0; j < 3; j++)
            {
                double rv = 0;
                for (var k = j; k < n; k++) rv = rv * 0.5 + x[k] * qv;
                qv = Math.Tanh(qv + rv);
            }
            pv = pv * 0.9 + qv * qv;
        }
        Numeric.AssertSameBits(pv, f.Compile()(x), "test expectation");
        LoopCheck.Run(f, x, seed, perCoordinate: true, context: "nested recurrences");
    }

    [Fact]
    public void InnerLoopCarriesTheOuterAccumulatorDirectly()
    {
        // s = x0; for i < n { for j < n { s = s * 0.5 + x[i] * x[j]; } }: the inner loop updates the outer loop's carried value.
        var s = Double("s");
        var loops = For("i", I(0), Length, i => For("j", I(0), Length, j =>
            Expression.Assign(s, Add(Mul(s, C(0.5)), Mul(Xi(i), Xi(j))))));
        var f = Lambda(Block([s], Expression.Assign(s, Xi(0)), loops, s));
        var x = LoopCheck.RandomPoint(8, 4, -1, 1);
        var n = x.Length;
        // s_final = 0.5^(n^2) x0 + sum over step t = i n + j of 0.5^(n^2 - 1 - t) x_i x_j
        var g = new double[n];
        g[0] += Math.Pow(0.5, n * n);
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
            {
                var weight = Math.Pow(0.5, n * n - 1 - (i * n + j));
                g[i] += weight * x[j];
                g[j] += weight * x[i];
            }
        LoopCheck.Run(f, x, 8, g, perCoordinate: true, context: "inner loop updates outer accumulator");
    }

    // --- conditionals inside loops and loops inside conditionals -------------------------------------------

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ConditionalInsideALoop(bool asConditionalExpression)
    {
        // if (x[i] > 0) s += x[i]^2; else s -= sin(x[i]);   (or s += x[i] > 0 ? x[i]^2 : -sin(x[i]))
        var s = Double("s");
        var loop = For("i", I(0), Length, i => asConditionalExpression
            ? Expression.AddAssign(s, Expression.Condition(Expression.GreaterThan(Xi(i), C(0)), Square(Xi(i)), Expression.Negate(Sin(Xi(i)))))
            : Expression.IfThenElse(Expression.GreaterThan(Xi(i), C(0)),
                Expression.AddAssign(s, Square(Xi(i))),
                Expression.SubtractAssign(s, Sin(Xi(i)))));
        var f = Lambda(Block([s], Expression.Assign(s, C(0)), loop, s));
        for (var seed = 0; seed < 4; seed++)
        {
            var x = LoopCheck.RandomPoint(seed, 9, -2, 2);
            var g = x.Select(v => v > 0 ? 2 * v : -Math.Cos(v)).ToArray();
            LoopCheck.Run(f, x, seed, g, perCoordinate: true, context: "conditional in loop");
        }
    }

    [Fact]
    public void ConditionalOnTheCarriedValueChoosesTheUpdate()
    {
        // s = x0; for i: if (s > 1) s = s * 0.5 + x[i]; else s = s + x[i]^2;
        var s = Double("s");
        var loop = For("i", I(0), Length, i => Expression.IfThenElse(Expression.GreaterThan(s, C(1)),
            Expression.Assign(s, Add(Mul(s, C(0.5)), Xi(i))),
            Expression.Assign(s, Add(s, Square(Xi(i))))));
        var f = Lambda(Block([s], Expression.Assign(s, Xi(0)), loop, s));
        for (var seed = 0; seed < 4; seed++)
        {
            var x = LoopCheck.RandomPoint(seed, 10, -1.5, 1.5);
            // Forward mode by hand: ds holds d s / d x.
            var (sv, ds) = (x[0], new double[x.Length]);
            ds[0] = 1;
            var branches = 0;
            for (var i = 0; i < x.Length; i++)
            {
                Assert.True(Math.Abs(sv - 1) > 1e-4, "test point too close to the branch threshold");
                if (sv > 1)
                {
                    for (var k = 0; k < ds.Length; k++) ds[k] *= 0.5;
                    ds[i] += 1;
                    sv = sv * 0.5 + x[i];
                    branches++;
                }
                else
                {
                    ds[i] += 2 * x[i];
                    sv += x[i] * x[i];
                }
            }
            LoopCheck.Run(f, x, seed, ds, perCoordinate: true, context: $"branch on carried value ({branches} of {x.Length} took the first)");
        }
    }

    [Fact]
    public void LoopInsideAConditionalInsideALoop()
    {
        // for i { if (x[i] > 0) { for j < i: s += x[i] * x[j]; } else s += x[i]; }
        var s = Double("s");
        var loops = For("i", I(0), Length, i => Expression.IfThenElse(Expression.GreaterThan(Xi(i), C(0)),
            For("j", I(0), i, j => Expression.AddAssign(s, Mul(Xi(i), Xi(j)))),
            Expression.AddAssign(s, Xi(i))));
        var f = Lambda(Block([s], Expression.Assign(s, C(0)), loops, s));
        var x = LoopCheck.RandomPoint(12, 7, -1, 1);
        var g = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            if (x[i] > 0)
                for (var j = 0; j < i; j++) { g[i] += x[j]; g[j] += x[i]; }
            else g[i] += 1;
        }
        LoopCheck.Run(f, x, 12, g, perCoordinate: true, context: "loop in conditional in loop");
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(-0.5)]
    public void LoopInsideAConditionalBranch(double x0)
    {
        // s = x1; if (x0 > 0) { for i: s = s * x0 + x[i]; } else s = 2 * s;
        var s = Double("s");
        var f = Lambda(Block([s], Expression.Assign(s, Xi(1)),
            Expression.IfThenElse(Expression.GreaterThan(Xi(0), C(0)),
                For("i", I(0), Length, i => Expression.Assign(s, Add(Mul(s, Xi(0)), Xi(i)))),
                Expression.Assign(s, Mul(C(2), s))),
            s));
        double[] x = [x0, 0.3, -0.8, 1.2];
        LoopCheck.Run(f, x, 13, perCoordinate: true, context: "loop in conditional");
    }

    // --- loops that run zero times ----------------------------------------------------------------------------

    [Fact]
    public void LoopWhoseStartIsPastItsEndRunsZeroTimes()
    {
        // s = x0 * x1; for (i = 5; i < 3; i++) s = s * x[i] + sin(s);   (x[5] would be out of range)
        var s = Double("s");
        var f = Lambda(Block([s], Expression.Assign(s, Mul(Xi(0), Xi(1))),
            For("i", I(5), I(3), i => Expression.Assign(s, Add(Mul(s, Xi(i)), Sin(s)))), s));
        double[] x = [1.5, -2, 0.5, 0.25, 3];
        LoopCheck.Run(f, x, 14, [-2, 1.5, 0, 0, 0], handTolerance: 0, perCoordinate: true, context: "zero trips");
    }

    [Fact]
    public void LoopOverAnEmptyInputRunsZeroTimes()
    {
        // 2 + sum_i x[i]^2 at x = []: value 2, empty gradient; the same delegate then works for a longer x.
        var s = Double("s");
        var f = Lambda(Block([s], Expression.Assign(s, C(2)), For("i", I(0), Length, i => Expression.AddAssign(s, Square(Xi(i)))), s));
        var gradient = AD.Differentiate(f);
        Assert.Equal(2.0, gradient(new double[0], new double[0]));
        double[] x = [0.5, -1, 3];
        LoopCheck.Run(f, gradient, x, 15, [1, -2, 6], perCoordinate: true, context: "sum of squares");
    }

    [Fact]
    public void InnerLoopRunningZeroTimesOnSomeOuterIterations()
    {
        // for i { t = x[i]; for j in [i, 2): t = t * x[j]; s += t; }   -- the inner loop is empty for i >= 2
        var (s, t) = (Double("s"), Double("t"));
        var f = Lambda(Block([s, t], Expression.Assign(s, C(0)),
            For("i", I(0), Length, i => Statements(
                Expression.Assign(t, Xi(i)),
                For("j", i, I(2), j => Expression.MultiplyAssign(t, Xi(j))),
                Expression.AddAssign(s, t))),
            s));
        double[] x = [0.5, -1.5, 2, 0.75];
        // s = x0 * x0 * x1 + x1 * x1 + x2 + x3
        LoopCheck.Run(f, x, 16, [2 * x[0] * x[1], x[0] * x[0] + 2 * x[1], 1, 1], perCoordinate: true, context: "inner loop sometimes empty");
    }

    [Fact]
    public void WhileLoopWhoseConditionIsFalseAtOnce()
    {
        // s = x0; while (s > 100) s = s * x1; return s;  at x0 = 2: no iteration
        var s = Double("s");
        var f = Lambda(Block([s], Expression.Assign(s, Xi(0)),
            While(Expression.GreaterThan(s, C(100)), Expression.Assign(s, Mul(s, Xi(1)))), s));
        LoopCheck.Run(f, [2, 0.5], 17, [1, 0], handTolerance: 0, perCoordinate: true, context: "while, zero trips");
        // ... and at x0 = 250, two iterations (250 -> 125 -> 62.5): s = x0 x1^2
        double[] x = [250, 0.5];
        LoopCheck.Run(f, x, 18, [x[1] * x[1], 2 * x[0] * x[1]], perCoordinate: true, context: "while, two trips");
    }

    // --- counters ------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(StepStyle.CompoundAssign, 7)]
    [InlineData(StepStyle.CompoundAssign, 8)]
    [InlineData(StepStyle.Assign, 7)]
    [InlineData(StepStyle.AssignConstantFirst, 8)]
    public void CounterSteppingByTwo(StepStyle style, int n)
    {
        // for (i = 0; i < n - 1; i += 2) s += x[i] * sin(x[i + 1])
        var s = Double("s");
        var f = Lambda(Block([s], Expression.Assign(s, C(0)),
            For("i", I(0), Sub(Length, I(1)), i => Expression.AddAssign(s, Mul(Xi(i), Sin(Xi(Add(i, I(1)))))), step: 2, style: style), s));
        var x = LoopCheck.RandomPoint(n, n, -2, 2);
        var g = new double[n];
        for (var i = 0; i < n - 1; i += 2)
        {
            g[i] += Math.Sin(x[i + 1]);
            g[i + 1] += x[i] * Math.Cos(x[i + 1]);
        }
        LoopCheck.Run(f, x, n, g, perCoordinate: true, context: $"step 2, {style}");
    }

    [Theory]
    [InlineData(StepStyle.PostIncrement, LoopShape.Guarded)]
    [InlineData(StepStyle.PreIncrement, LoopShape.BreakFirst)]
    [InlineData(StepStyle.CompoundAssign, LoopShape.Guarded)]
    [InlineData(StepStyle.Assign, LoopShape.BreakFirst)]
    [InlineData(StepStyle.AssignConstantFirst, LoopShape.Guarded)]
    public void CounterCountingDown(StepStyle style, LoopShape shape)
    {
        // for (i = n - 1; i >= 0; i--) s = s / 2 + x[i]^2   ->   s = sum_i x[i]^2 / 2^i
        var s = Double("s");
        var f = Lambda(Block([s], Expression.Assign(s, C(0)),
            ForDown("i", Sub(Length, I(1)), I(0), i => Expression.Assign(s, Add(Mul(s, C(0.5)), Square(Xi(i)))), style: style, shape: shape), s));
        var x = LoopCheck.RandomPoint(19, 9, -2, 2);
        var g = x.Select((v, i) => 2 * v * Math.Pow(0.5, i)).ToArray();
        LoopCheck.Run(f, x, 19, g, perCoordinate: true, context: $"count down, {style} {shape}");
    }

    [Theory]
    [InlineData(10)]
    [InlineData(11)]
    [InlineData(12)]
    public void CounterCountingDownByThree(int n)
    {
        // for (i = n - 1; i >= 0; i -= 3) s = s * x[i] + (i + 1) sin(x[i])
        var s = Double("s");
        var f = Lambda(Block([s], Expression.Assign(s, C(1)),
            ForDown("i", Sub(Length, I(1)), I(0), i => Expression.Assign(s,
                Add(Mul(s, Xi(i)), Mul(ToDouble(Add(i, I(1))), Sin(Xi(i))))), step: 3, style: StepStyle.CompoundAssign), s));
        var x = LoopCheck.RandomPoint(n, n, 0.5, 1.5);
        // Forward mode by hand.
        var (sv, ds) = (1.0, new double[n]);
        for (var i = n - 1; i >= 0; i -= 3)
        {
            for (var k = 0; k < n; k++) ds[k] *= x[i];
            ds[i] += sv + (i + 1) * Math.Cos(x[i]);
            sv = sv * x[i] + (i + 1) * Math.Sin(x[i]);
        }
        LoopCheck.Run(f, x, n, ds, perCoordinate: true, context: "count down by 3");
    }

    [Fact]
    public void CarriedBoolAndIntThatAreNotCounters()
    {
        // flag = false; m = 0; for i { flag = !flag; m = (3 m + 1) % n; s += flag ? x[m] x[i] : sin(x[i] - x[m]); }
        var (s, flag, m) = (Double("s"), Bool("flag"), Int("m"));
        var f = Lambda(Block([s, flag, m], Expression.Assign(s, C(0)), Expression.Assign(flag, Expression.Constant(false)), Expression.Assign(m, I(0)),
            For("i", I(0), Length, i => Statements(
                Expression.Assign(flag, Expression.Not(flag)),
                Expression.Assign(m, Expression.Modulo(Add(Expression.Multiply(m, I(3)), I(1)), Length)),
                Expression.AddAssign(s, Expression.Condition(flag, Mul(Xi(m), Xi(i)), Sin(Sub(Xi(i), Xi(m))))))),
            s));
        var x = LoopCheck.RandomPoint(20, 7, -1.5, 1.5);
        var g = new double[x.Length];
        var (fv, mv) = (false, 0);
        for (var i = 0; i < x.Length; i++)
        {
            fv = !fv;
            mv = (3 * mv + 1) % x.Length;
            if (fv) { g[mv] += x[i]; g[i] += x[mv]; }
            else { var c = Math.Cos(x[i] - x[mv]); g[i] += c; g[mv] -= c; }
        }
        LoopCheck.Run(f, x, 20, g, perCoordinate: true, context: "carried bool and int");
    }

    [Fact]
    public void CounterAdvancedInsideAConditional()
    {
        // i = 0; loop { if (i >= n) break; s += x[i]^2 * (i + 1); if (x[i] > 0) i += 2; else i++; }
        var (s, i) = (Double("s"), Int("i"));
        var f = Lambda(Block([s, i], Expression.Assign(s, C(0)), Expression.Assign(i, I(0)),
            Loop(end => Statements(
                BreakIf(Expression.GreaterThanOrEqual(i, Length), end),
                Expression.AddAssign(s, Mul(Square(Xi(i)), ToDouble(Add(i, I(1))))),
                Expression.IfThenElse(Expression.GreaterThan(Xi(i), C(0)), Expression.AddAssign(i, I(2)), Expression.PreIncrementAssign(i)))),
            s));
        var x = LoopCheck.RandomPoint(21, 11, -1, 1);
        var g = new double[x.Length];
        for (var k = 0; k < x.Length; k += x[k] > 0 ? 2 : 1) g[k] += 2 * x[k] * (k + 1);
        LoopCheck.Run(f, x, 21, g, perCoordinate: true, context: "counter advanced in a conditional");
    }

    [Fact]
    public void ContinueAtTheEndOfTheBody()
    {
        // loop { if (i >= n) break; s += x[i]^3; i++; continue; }   with a continue label
        var (s, i) = (Double("s"), Int("i"));
        var (end, next) = (Expression.Label("end"), Expression.Label("next"));
        var loop = Expression.Loop(Statements(
            BreakIf(Expression.GreaterThanOrEqual(i, Length), end),
            Expression.AddAssign(s, Mul(Xi(i), Square(Xi(i)))),
            Expression.PostIncrementAssign(i),
            Expression.Continue(next)), end, next);
        var f = Lambda(Block([s, i], Expression.Assign(s, C(0)), Expression.Assign(i, I(0)), loop, s));
        var x = LoopCheck.RandomPoint(22, 5, -1, 1);
        LoopCheck.Run(f, x, 22, x.Select(v => 3 * v * v).ToArray(), perCoordinate: true, context: "continue");
    }

    [Fact]
    public void LoopBodyIsABlockWithAValue()
    {
        // loop { if (i >= n) break; t = x[i]; s = s + t * t }   -- the body block's type is double
        var (s, i, t) = (Double("s"), Int("i"), Double("t"));
        var end = Expression.Label("end");
        var body = Expression.Block([t],
            BreakIf(Expression.GreaterThanOrEqual(i, Length), end),
            Expression.Assign(t, Xi(Expression.PostIncrementAssign(i))),
            Expression.Assign(s, Add(s, Mul(t, t))));
        Assert.Equal(typeof(double), body.Type);
        var f = Lambda(Block([s, i], Expression.Assign(s, C(0)), Expression.Assign(i, I(0)), Expression.Loop(body, end), s));
        var x = LoopCheck.RandomPoint(23, 6, -1, 1);
        LoopCheck.Run(f, x, 23, x.Select(v => 2 * v).ToArray(), perCoordinate: true, context: "body with a value");
    }

    [Fact]
    public void InactiveLoopFeedingAnActiveResult()
    {
        // A loop over captured data only (no derivative) and a counting loop over x's signs, then used with x.
        var data = new[] { 0.5, 1.5, -2.0, 4.0 };
        var (c, count) = (Double("c"), Int("count"));
        var f = Lambda(Block([c, count], Expression.Assign(c, C(0)), Expression.Assign(count, I(0)),
            For("i", I(0), I(data.Length), i => Expression.AddAssign(c, Square(Expression.ArrayIndex(Expression.Constant(data), i)))),
            For("i", I(0), Length, i => Expression.IfThen(Expression.GreaterThan(Xi(i), C(0)), Expression.PreIncrementAssign(count))),
            Mul(Mul(c, ToDouble(count)), Xi(0))));
        double[] x = [0.5, -1, 2];
        var cv = data.Sum(v => v * v);
        LoopCheck.Run(f, x, 24, [cv * 2, 0, 0], perCoordinate: true, context: "inactive loops");
    }
}
