using System.Linq.Expressions;
using System.Reflection;
using CsCheck;
using ExprAD.Tests.TestSupport;
using Xunit.Abstractions;

namespace ExprAD.Tests.Properties;

/// <summary>
/// Property test over random expression trees: the AD gradient agrees with finite differences, the value
/// returned by the gradient delegate equals <see cref="AD.Compile"/> bit for bit, and matches the plain
/// <c>f.Compile()</c> to 1e-12 relative.
/// </summary>
/// <remarks>
/// Trees are generated as a small abstract syntax (<see cref="Node"/>) that is turned into an expression tree
/// and also interpreted directly. The interpreter reports, for a point, the smallest distance to a kink
/// (abs at 0, max/min and conditionals at a tie) and the largest intermediate magnitude; points too close
/// to a kink, or whose branch choices change within the finite-difference step, or whose intermediates exceed
/// 1e3 (see the error budget in <see cref="FiniteDifferences"/>), or where the finite difference's own error
/// estimate is above a tenth of the tolerance (steep, fast-oscillating functions: about 1 point in 3000), are
/// skipped instead of loosening the tolerance.
/// All functions are finite on the whole sampling box [-2, 2]^k by construction: divisions are by 2 + sin(.),
/// logarithms and square roots take 1 + a*a, exp takes tanh(.).
/// </remarks>
public partial class RandomExpressionTests(ITestOutputHelper output)
{
    private const int Expressions = 1000;
    private const int PointsPerExpression = 3;
    private const int MaxDepth = 5;
    private const double KinkMargin = 1e-3;
    private const double MaxIntermediate = 1e3;

    [Fact]
    public void GradientMatchesFiniteDifferencesAndValuesMatch()
    {
        var stats = new Counters();
        CaseGen.Sample(c => CheckCase(c, stats), iter: Expressions, threads: 1, print: c => c.ToString());
        output.WriteLine($"{stats.Cases} expressions, {stats.Points} points: {stats.CheckedPoints} checked against finite differences, " +
                         $"{stats.KinkSkips} near a kink, {stats.MagnitudeSkips} too large, {stats.OracleSkips} oracle not accurate; " +
                         $"{stats.CoordinateChecks} per-coordinate checks");

        // Guard against a vacuous pass: most points must actually have been checked.
        Assert.True(stats.Cases >= Expressions, $"only {stats.Cases} expressions were checked");
        Assert.True(stats.CheckedPoints >= stats.Points / 2,
            $"too many points skipped: {stats.CheckedPoints} of {stats.Points} checked ({stats.KinkSkips} near a kink, {stats.MagnitudeSkips} too large, {stats.OracleSkips} where finite differences are not accurate enough)");
        Assert.True(stats.CoordinateChecks > 0, "no per-coordinate checks ran");
    }

    [Fact]
    public void GeneratorProducesEveryNodeKind()
    {
        // The property above is only as good as the trees it sees: make sure the generator reaches every construct.
        var seen = new HashSet<string>();
        int deepest = 0;
        CaseGen.Sample(c =>
        {
            Collect(c.Root, seen);
            deepest = Math.Max(deepest, Depth(c.Root));
        }, iter: 2000, threads: 1);
        string[] expected =
        [
            .. Enum.GetNames<BinOp>().Select(n => "Binary." + n),
            .. Enum.GetNames<UnOp>().Select(n => "Unary." + n),
            .. Enum.GetNames<CmpOp>().Select(n => "Cond." + n),
            .. Enumerable.Range(0, LetTemplates).Select(i => "Let." + i),
            .. Enumerable.Range(0, SharedTemplates).Select(i => "Shared." + i),
            "Var", "Const",
        ];
        Assert.Empty(expected.Except(seen));
        Assert.True(deepest >= 4, $"deepest tree only {deepest}");
    }

    [Theory]
    [InlineData(1.001)]
    [InlineData(0.999)]
    [InlineData(-1.0)]
    public void HarnessDetectsAGradientScaledByAFactor(double factor)
    {
        // The property must be able to fail: a gradient off by 0.1% everywhere is caught within 3,000 expressions
        // (CsCheck draws a new seed each run; with 200, about 1 run in 10 missed it, and with 1,000 it was missed once
        // in about a dozen runs of the suite; it is usually caught within the first few dozen, so the bound costs little).
        GradientFunc Scaled(GradientFunc inner) => (x, g) =>
        {
            double value = inner(x, g);
            for (int i = 0; i < g.Length; i++)
            {
                g[i] *= factor;
            }
            return value;
        };
        var stats = new Counters();
        var e = Assert.ThrowsAny<Exception>(() => CaseGen.Sample(c => CheckCase(c, stats, Scaled), iter: 3000, threads: 1));
        Assert.True(e.ToString().Contains("directional derivative", StringComparison.Ordinal), $"the harness failed for another reason: {e}");
    }

    [Fact]
    public void HarnessDetectsADroppedGradientEntry()
    {
        // A gradient missing the contribution to one input that f uses.
        static GradientFunc DropLast(GradientFunc inner) => (x, g) =>
        {
            double value = inner(x, g);
            g[^1] = 0;
            return value;
        };
        var stats = new Counters();
        var e = Assert.ThrowsAny<Exception>(() => CaseGen.Sample(c => CheckCase(c, stats, DropLast), iter: 200, threads: 1));
        Assert.True(e.ToString().Contains("directional derivative", StringComparison.Ordinal), $"the harness failed for another reason: {e}");
    }

    private static void CheckCase(Case c, Counters stats, Func<GradientFunc, GradientFunc>? mutate = null)
    {
        var f = c.ToLambda();
        var rng = new Random(c.Seed);

        Func<double[], double> reference = f.Compile();
        Func<double[], double> primal = AD.Compile(f);
        GradientFunc gradient = AD.Differentiate(f);
        if (mutate is not null)
        {
            gradient = mutate(gradient);
        }

        var used = new HashSet<int>();
        CollectVariables(c.Root, c.K, used);

        Interlocked.Increment(ref stats.Cases);
        bool doCoordinates = c.Seed % 4 == 0;
        for (int p = 0; p < PointsPerExpression; p++)
        {
            Interlocked.Increment(ref stats.Points);
            var x = FiniteDifferences.RandomPoint(rng, c.K, -2, 2);
            var v = FiniteDifferences.RandomUnitDirection(rng, c.K);
            string where = $"at x=[{FiniteDifferences.Format(x)}] for {c}";

            // Values: the gradient delegate's value is exactly AD.Compile's, and near the plain compiled tree.
            var (value, g) = Numeric.Evaluate(gradient, x);
            double plain = primal(x);
            double expected = reference(x);
            Numeric.AssertSameBits(plain, value, "gradient delegate value vs AD.Compile " + where);
            Numeric.AssertClose(expected, value, 1e-12, "gradient delegate value vs f.Compile() " + where);

            // The interpreter is the test's own model of f; it must agree with the compiled tree, or the
            // kink/magnitude screening below would be screening a different function.
            var probe = new Probe();
            double interpreted = Interpret(c.Root, x, c.K, probe);
            Numeric.AssertClose(expected, interpreted, 1e-12, "test interpreter vs f.Compile() (a test bug) " + where);

            // Inputs f does not mention at all get an exact zero (the buffer was pre-filled with 999).
            for (int i = 0; i < c.K; i++)
            {
                if (!used.Contains(i))
                {
                    Assert.True(g[i] == 0.0, $"gradient[{i}] = {Numeric.R(g[i])}, but x[{i}] does not occur in f, {where}");
                }
                else
                {
                    Assert.True(double.IsFinite(g[i]), $"gradient[{i}] = {Numeric.R(g[i])} is not finite, {where}");
                }
            }

            if (probe.MaxAbs > MaxIntermediate)
            {
                Interlocked.Increment(ref stats.MagnitudeSkips);
                continue;
            }
            double h = FiniteDifferences.Step(x);
            // The oracle uses steps h and 2h (for its error estimate): every branch must stay put over [x - 2hv, x + 2hv].
            if (probe.MinMargin <= KinkMargin || !SameBranches(c, x, v, h, probe) || !SameBranches(c, x, v, 2 * h, probe))
            {
                Interlocked.Increment(ref stats.KinkSkips);
                continue;
            }
            var (fd, fdError) = FiniteDifferences.DirectionalWithError(reference, x, v, h);
            if (!FiniteDifferences.OracleIsAccurate(fd, fdError))
            {
                Interlocked.Increment(ref stats.OracleSkips);
                continue;
            }
            Interlocked.Increment(ref stats.CheckedPoints);

            double ad = FiniteDifferences.Dot(g, v);
            Assert.True(FiniteDifferences.Agrees(fd, ad),
                $"directional derivative: fd={Numeric.R(fd)} ad={Numeric.R(ad)} |diff|={Math.Abs(fd - ad):E3} " +
                $"v=[{FiniteDifferences.Format(v)}] gradient=[{FiniteDifferences.Format(g)}] {where}");

            if (doCoordinates)
            {
                for (int i = 0; i < c.K; i++)
                {
                    var e = new double[c.K];
                    e[i] = 1;
                    double hi = FiniteDifferences.CoordinateStep(x[i]);
                    if (!SameBranches(c, x, e, hi, probe) || !SameBranches(c, x, e, 2 * hi, probe))
                    {
                        continue;
                    }
                    var (fdi, fdiError) = FiniteDifferences.DirectionalWithError(reference, x, e, hi);
                    if (!FiniteDifferences.OracleIsAccurate(fdi, fdiError))
                    {
                        continue;
                    }
                    Interlocked.Increment(ref stats.CoordinateChecks);
                    Assert.True(FiniteDifferences.Agrees(fdi, g[i]),
                        $"partial {i}: fd={Numeric.R(fdi)} ad={Numeric.R(g[i])} gradient=[{FiniteDifferences.Format(g)}] {where}");
                }
            }
        }
    }

    /// <summary>True when every abs/max/min/conditional takes the same side at x - hv and x + hv as at x.</summary>
    private static bool SameBranches(Case c, double[] x, double[] v, double h, Probe atX)
    {
        foreach (double t in (ReadOnlySpan<double>)[-h, h])
        {
            var probe = new Probe();
            Interpret(c.Root, FiniteDifferences.Offset(x, v, t), c.K, probe);
            if (!probe.Branches.SequenceEqual(atX.Branches))
            {
                return false;
            }
        }
        return true;
    }

    private sealed class Counters
    {
        public int Cases;
        public int Points;
        public int CheckedPoints;
        public int KinkSkips;
        public int MagnitudeSkips;
        public int OracleSkips;
        public int CoordinateChecks;
    }

    // ---------------------------------------------------------------------------------------------------
    // The random syntax.

    internal enum BinOp { Add, Sub, Mul, SafeDiv, Max, Min, PowSquare }

    internal enum UnOp { Neg, Sin, Cos, ExpTanh, LogOnePlusSquare, SqrtOnePlusSquare, Tanh, Atan, Abs, PowTwo, PowThree, PowThreeHalves, PowMinusHalf }

    internal enum CmpOp { Less, Greater, LessOrEqual, GreaterOrEqual }

    internal abstract record Node;

    /// <summary>x[Index % k].</summary>
    internal sealed record Var(int Index) : Node;

    internal sealed record Const(double Value) : Node;

    internal sealed record Binary(BinOp Op, Node Left, Node Right) : Node;

    internal sealed record Unary(UnOp Op, Node Operand) : Node;

    /// <summary>A op B ? IfTrue : IfFalse.</summary>
    internal sealed record Cond(CmpOp Op, Node A, Node B, Node IfTrue, Node IfFalse) : Node;

    /// <summary>A block with local variables; see <see cref="BuildLet"/>.</summary>
    internal sealed record Let(int Template, Node Value, Node Body) : Node;

    /// <summary>One expression object used twice in the tree (a DAG); see <see cref="BuildShared"/>.</summary>
    internal sealed record Shared(int Template, Node Operand) : Node;

    private const int LetTemplates = 5;
    private const int SharedTemplates = 5;

    internal sealed record Case(Node Root, int K, int Seed)
    {
        public Expression<Func<double[], double>> ToLambda()
        {
            var x = Expression.Parameter(typeof(double[]), "x");
            return Expression.Lambda<Func<double[], double>>(Build(Root, x, K), x);
        }

        public override string ToString() => $"k={K} seed={Seed} f = {ToLambda()}";
    }

    private static readonly Gen<Node> LeafGen = Gen.Frequency(
        (3, Gen.Int[0, 5].Select(i => (Node)new Var(i))),
        (1, Gen.OneOf(Gen.Const(0.0), Gen.Const(1.0), Gen.Const(-1.0), Gen.Double[-3, 3]).Select(d => (Node)new Const(d))));

    private static readonly Gen<Node> NodeGen = Gen.Recursive<Node>((depth, self) =>
        depth >= MaxDepth
            ? LeafGen
            : Gen.Frequency(
                (3, LeafGen),
                (4, Gen.Select(Gen.Enum<BinOp>(), self, self, (op, a, b) => (Node)new Binary(op, a, b))),
                (3, Gen.Select(Gen.Enum<UnOp>(), self, (op, a) => (Node)new Unary(op, a))),
                (1, Gen.Select(Gen.Enum<CmpOp>(), self, self, self, self, (op, a, b, t, e) => (Node)new Cond(op, a, b, t, e))),
                (1, Gen.Select(Gen.Int[0, LetTemplates - 1], self, self, (t, a, b) => (Node)new Let(t, a, b))),
                (1, Gen.Select(Gen.Int[0, SharedTemplates - 1], self, (t, a) => (Node)new Shared(t, a)))));

    private static readonly Gen<Case> CaseGen = Gen.Select(NodeGen, Gen.Int[1, 6], Gen.Int[0, int.MaxValue], (n, k, s) => new Case(n, k, s));

    // ---------------------------------------------------------------------------------------------------
    // Syntax -> expression tree.

    private static readonly MethodInfo SinM = MathMethod(nameof(Math.Sin), 1);
    private static readonly MethodInfo CosM = MathMethod(nameof(Math.Cos), 1);
    private static readonly MethodInfo ExpM = MathMethod(nameof(Math.Exp), 1);
    private static readonly MethodInfo LogM = MathMethod(nameof(Math.Log), 1);
    private static readonly MethodInfo SqrtM = MathMethod(nameof(Math.Sqrt), 1);
    private static readonly MethodInfo TanhM = MathMethod(nameof(Math.Tanh), 1);
    private static readonly MethodInfo AtanM = MathMethod(nameof(Math.Atan), 1);
    private static readonly MethodInfo AbsM = MathMethod(nameof(Math.Abs), 1);
    private static readonly MethodInfo PowM = MathMethod(nameof(Math.Pow), 2);
    private static readonly MethodInfo MaxM = MathMethod(nameof(Math.Max), 2);
    private static readonly MethodInfo MinM = MathMethod(nameof(Math.Min), 2);

    private static MethodInfo MathMethod(string name, int arity)
        => typeof(Math).GetMethod(name, Enumerable.Repeat(typeof(double), arity).ToArray())
           ?? throw new InvalidOperationException(name);

    private static Expression C(double d) => Expression.Constant(d);

    private static Expression Call(MethodInfo m, params Expression[] args) => Expression.Call(m, args);

    /// <summary>1 + a*a, with the same object a on both sides of the product.</summary>
    private static Expression OnePlusSquare(Expression a) => Expression.Add(C(1), Expression.Multiply(a, a));

    private static Expression Build(Node node, ParameterExpression x, int k) => node switch
    {
        Var v => Expression.ArrayIndex(x, Expression.Constant(v.Index % k)),
        Const c => C(c.Value),
        Binary b => BuildBinary(b.Op, Build(b.Left, x, k), Build(b.Right, x, k)),
        Unary u => BuildUnary(u.Op, Build(u.Operand, x, k)),
        Cond c => Expression.Condition(
            BuildCompare(c.Op, Build(c.A, x, k), Build(c.B, x, k)),
            Build(c.IfTrue, x, k),
            Build(c.IfFalse, x, k)),
        Let l => BuildLet(l.Template, Build(l.Value, x, k), Build(l.Body, x, k)),
        Shared s => BuildShared(s.Template, Build(s.Operand, x, k)),
        _ => throw new InvalidOperationException(node.ToString()),
    };

    private static Expression BuildBinary(BinOp op, Expression a, Expression b) => op switch
    {
        BinOp.Add => Expression.Add(a, b),
        BinOp.Sub => Expression.Subtract(a, b),
        BinOp.Mul => Expression.Multiply(a, b),
        BinOp.SafeDiv => Expression.Divide(a, Expression.Add(C(2), Call(SinM, b))),
        BinOp.Max => Call(MaxM, a, b),
        BinOp.Min => Call(MinM, a, b),
        // a * Pow(b, 2): a power with an active base next to another factor.
        BinOp.PowSquare => Expression.Multiply(a, Call(PowM, b, C(2))),
        _ => throw new InvalidOperationException(op.ToString()),
    };

    private static Expression BuildUnary(UnOp op, Expression a) => op switch
    {
        UnOp.Neg => Expression.Negate(a),
        UnOp.Sin => Call(SinM, a),
        UnOp.Cos => Call(CosM, a),
        UnOp.ExpTanh => Call(ExpM, Call(TanhM, a)),
        UnOp.LogOnePlusSquare => Call(LogM, OnePlusSquare(a)),
        UnOp.SqrtOnePlusSquare => Call(SqrtM, OnePlusSquare(a)),
        UnOp.Tanh => Call(TanhM, a),
        UnOp.Atan => Call(AtanM, a),
        UnOp.Abs => Call(AbsM, a),
        UnOp.PowTwo => Call(PowM, a, C(2)),
        UnOp.PowThree => Call(PowM, a, C(3)),
        UnOp.PowThreeHalves => Call(PowM, OnePlusSquare(a), C(1.5)),
        UnOp.PowMinusHalf => Call(PowM, OnePlusSquare(a), C(-0.5)),
        _ => throw new InvalidOperationException(op.ToString()),
    };

    private static Expression BuildCompare(CmpOp op, Expression a, Expression b) => op switch
    {
        CmpOp.Less => Expression.LessThan(a, b),
        CmpOp.Greater => Expression.GreaterThan(a, b),
        CmpOp.LessOrEqual => Expression.LessThanOrEqual(a, b),
        CmpOp.GreaterOrEqual => Expression.GreaterThanOrEqual(a, b),
        _ => throw new InvalidOperationException(op.ToString()),
    };

    /// <summary>
    /// 0: { t = a; t * t + b }
    /// 1: { t = a; t = t * b + sin(t); t - b }           (reassignment reading the old value; b used twice)
    /// 2: { t = a; u = t + b; t = u * t; t + u }         (two locals, reassignment)
    /// 3: { t = a; if (t &lt; b) t = t * b; t + b }        (a void if assigning a local: a join with the old value)
    /// 4: { t = a; u = b; if (t &gt; u) t = u * t; else u = sin(t); t * u }   (each side assigns a different local)
    /// </summary>
    private static Expression BuildLet(int template, Expression a, Expression b)
    {
        var t = Expression.Variable(typeof(double), "t");
        var u = Expression.Variable(typeof(double), "u");
        return template switch
        {
            0 => Expression.Block([t],
                Expression.Assign(t, a),
                Expression.Add(Expression.Multiply(t, t), b)),
            1 => Expression.Block([t],
                Expression.Assign(t, a),
                Expression.Assign(t, Expression.Add(Expression.Multiply(t, b), Call(SinM, t))),
                Expression.Subtract(t, b)),
            2 => Expression.Block([t, u],
                Expression.Assign(t, a),
                Expression.Assign(u, Expression.Add(t, b)),
                Expression.Assign(t, Expression.Multiply(u, t)),
                Expression.Add(t, u)),
            3 => Expression.Block([t],
                Expression.Assign(t, a),
                Expression.IfThen(Expression.LessThan(t, b), Expression.Assign(t, Expression.Multiply(t, b))),
                Expression.Add(t, b)),
            4 => Expression.Block([t, u],
                Expression.Assign(t, a),
                Expression.Assign(u, b),
                Expression.IfThenElse(Expression.GreaterThan(t, u),
                    Expression.Assign(t, Expression.Multiply(u, t)),
                    Expression.Assign(u, Call(SinM, t))),
                Expression.Multiply(t, u)),
            _ => throw new InvalidOperationException(template.ToString()),
        };
    }

    /// <summary>
    /// 0: e * e;  1: e + sin(e);  2: max(e, 0.5 * e);  3: e / (2 + sin(e)), with e one shared object;
    /// 4: invoke((t => t * sin(t) + t), e), an inline lambda invoked (and inlined) with e.
    /// </summary>
    private static Expression BuildShared(int template, Expression e) => template switch
    {
        0 => Expression.Multiply(e, e),
        1 => Expression.Add(e, Call(SinM, e)),
        2 => Call(MaxM, e, Expression.Multiply(C(0.5), e)),
        3 => Expression.Divide(e, Expression.Add(C(2), Call(SinM, e))),
        4 => Expression.Invoke(InlineLambda(), e),
        _ => throw new InvalidOperationException(template.ToString()),
    };

    private static Expression<Func<double, double>> InlineLambda()
    {
        var t = Expression.Parameter(typeof(double), "t");
        return Expression.Lambda<Func<double, double>>(Expression.Add(Expression.Multiply(t, Call(SinM, t)), t), t);
    }

    // ---------------------------------------------------------------------------------------------------
    // Interpreter: the same function, plus kink margins, branch choices and intermediate sizes.

    private sealed class Probe
    {
        public double MinMargin = double.PositiveInfinity;
        public double MaxAbs;
        public readonly List<bool> Branches = [];

        public double Seen(double value)
        {
            MaxAbs = Math.Max(MaxAbs, Math.Abs(value));
            return value;
        }

        public bool Kink(double a, double b, bool side)
        {
            MinMargin = Math.Min(MinMargin, Math.Abs(a - b));
            Branches.Add(side);
            return side;
        }
    }

    private static double Interpret(Node node, double[] x, int k, Probe p) => p.Seen(node switch
    {
        Var v => x[v.Index % k],
        Const c => c.Value,
        Binary b => InterpretBinary(b.Op, Interpret(b.Left, x, k, p), Interpret(b.Right, x, k, p), p),
        Unary u => InterpretUnary(u.Op, Interpret(u.Operand, x, k, p), p),
        Cond c => InterpretCond(c, x, k, p),
        Let l => InterpretLet(l.Template, Interpret(l.Value, x, k, p), Interpret(l.Body, x, k, p), p),
        Shared s => InterpretShared(s.Template, Interpret(s.Operand, x, k, p), p),
        _ => throw new InvalidOperationException(node.ToString()),
    });

    private static double InterpretBinary(BinOp op, double a, double b, Probe p) => op switch
    {
        BinOp.Add => a + b,
        BinOp.Sub => a - b,
        BinOp.Mul => a * b,
        BinOp.SafeDiv => a / p.Seen(2 + Math.Sin(b)),
        BinOp.Max => p.Kink(a, b, a >= b) ? Math.Max(a, b) : Math.Max(a, b),
        BinOp.Min => p.Kink(a, b, a <= b) ? Math.Min(a, b) : Math.Min(a, b),
        BinOp.PowSquare => a * p.Seen(Math.Pow(b, 2)),
        _ => throw new InvalidOperationException(op.ToString()),
    };

    private static double InterpretUnary(UnOp op, double a, Probe p) => op switch
    {
        UnOp.Neg => -a,
        UnOp.Sin => Math.Sin(a),
        UnOp.Cos => Math.Cos(a),
        UnOp.ExpTanh => Math.Exp(Math.Tanh(a)),
        UnOp.LogOnePlusSquare => Math.Log(p.Seen(1 + p.Seen(a * a))),
        UnOp.SqrtOnePlusSquare => Math.Sqrt(p.Seen(1 + p.Seen(a * a))),
        UnOp.Tanh => Math.Tanh(a),
        UnOp.Atan => Math.Atan(a),
        UnOp.Abs => p.Kink(a, 0, a >= 0) ? Math.Abs(a) : Math.Abs(a),
        UnOp.PowTwo => Math.Pow(a, 2),
        UnOp.PowThree => Math.Pow(a, 3),
        UnOp.PowThreeHalves => Math.Pow(p.Seen(1 + p.Seen(a * a)), 1.5),
        UnOp.PowMinusHalf => Math.Pow(p.Seen(1 + p.Seen(a * a)), -0.5),
        _ => throw new InvalidOperationException(op.ToString()),
    };

    private static double InterpretCond(Cond c, double[] x, int k, Probe p)
    {
        double a = Interpret(c.A, x, k, p);
        double b = Interpret(c.B, x, k, p);
        bool test = c.Op switch
        {
            CmpOp.Less => a < b,
            CmpOp.Greater => a > b,
            CmpOp.LessOrEqual => a <= b,
            CmpOp.GreaterOrEqual => a >= b,
            _ => throw new InvalidOperationException(c.Op.ToString()),
        };
        // Only the branch taken is evaluated (and screened), as in the compiled tree.
        return p.Kink(a, b, test) ? Interpret(c.IfTrue, x, k, p) : Interpret(c.IfFalse, x, k, p);
    }

    private static double InterpretLet(int template, double a, double b, Probe p)
    {
        switch (template)
        {
            case 0:
                return p.Seen(a * a) + b;
            case 1:
            {
                double t = p.Seen(p.Seen(a * b) + Math.Sin(a));
                return t - b;
            }
            case 2:
            {
                double u = p.Seen(a + b);
                double t = p.Seen(u * a);
                return t + u;
            }
            case 3:
            {
                double t = p.Kink(a, b, a < b) ? p.Seen(a * b) : a;
                return t + b;
            }
            case 4:
            {
                double t = a, u = b;
                if (p.Kink(a, b, a > b))
                {
                    t = p.Seen(b * a);
                }
                else
                {
                    u = Math.Sin(a);
                }
                return t * u;
            }
            default:
                throw new InvalidOperationException(template.ToString());
        }
    }

    private static double InterpretShared(int template, double e, Probe p) => template switch
    {
        0 => e * e,
        1 => e + Math.Sin(e),
        2 => p.Kink(e, 0.5 * e, e >= 0.5 * e) ? Math.Max(e, 0.5 * e) : Math.Max(e, 0.5 * e),
        3 => e / (2 + Math.Sin(e)),
        4 => p.Seen(e * Math.Sin(e)) + e,
        _ => throw new InvalidOperationException(template.ToString()),
    };

    // ---------------------------------------------------------------------------------------------------
    // Syntax queries.

    private static void CollectVariables(Node node, int k, HashSet<int> used)
    {
        switch (node)
        {
            case Var v: used.Add(v.Index % k); break;
            case Const: break;
            case Binary b: CollectVariables(b.Left, k, used); CollectVariables(b.Right, k, used); break;
            case Unary u: CollectVariables(u.Operand, k, used); break;
            case Cond c:
                CollectVariables(c.A, k, used); CollectVariables(c.B, k, used);
                CollectVariables(c.IfTrue, k, used); CollectVariables(c.IfFalse, k, used);
                break;
            case Let l: CollectVariables(l.Value, k, used); CollectVariables(l.Body, k, used); break;
            case Shared s: CollectVariables(s.Operand, k, used); break;
        }
    }

    private static void Collect(Node node, HashSet<string> seen)
    {
        switch (node)
        {
            case Var: seen.Add("Var"); break;
            case Const: seen.Add("Const"); break;
            case Binary b: seen.Add("Binary." + b.Op); Collect(b.Left, seen); Collect(b.Right, seen); break;
            case Unary u: seen.Add("Unary." + u.Op); Collect(u.Operand, seen); break;
            case Cond c:
                seen.Add("Cond." + c.Op);
                Collect(c.A, seen); Collect(c.B, seen); Collect(c.IfTrue, seen); Collect(c.IfFalse, seen);
                break;
            case Let l: seen.Add("Let." + l.Template); Collect(l.Value, seen); Collect(l.Body, seen); break;
            case Shared s: seen.Add("Shared." + s.Template); Collect(s.Operand, seen); break;
        }
    }

    private static int Depth(Node node) => node switch
    {
        Binary b => 1 + Math.Max(Depth(b.Left), Depth(b.Right)),
        Unary u => 1 + Depth(u.Operand),
        Cond c => 1 + new[] { Depth(c.A), Depth(c.B), Depth(c.IfTrue), Depth(c.IfFalse) }.Max(),
        Let l => 1 + Math.Max(Depth(l.Value), Depth(l.Body)),
        Shared s => 1 + Depth(s.Operand),
        _ => 0,
    };
}
