using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;
using ExprAD.Tests.Vector;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary>
/// Edge cases of scratch arrays (<see cref="ScratchArrayTests"/>): arrays that are not refilled before every read
/// (not scratch: their reads are taped or the array snapshotted, see ReverseSweep.OverwrittenArrays), the recompute path (rows that are not a fused reduction), inner owners, fills that read
/// back, sibling fills, inactive arrays, tiny trip counts, vector functions, Hessian-vector products and
/// allocation-free calls must give exact derivatives. Every gradient is checked against finite differences and
/// a gradient written by hand in plain C#, and against forward mode.
/// </summary>
public class ScratchArrayEdgeTests
{
    /// <summary>Columns of every data row.</summary>
    private const int D = 3;

    // ---------------------------------------------------------------- expression helpers

    private static Expression At(Expression array, Expression index) => Expression.ArrayAccess(array, index);

    private static Expression At(Expression array, int index) => At(array, I(index));

    private static ParameterExpression ArrayVariable(string name) => Expression.Variable(typeof(double[]), name);

    private static Expression Create(ParameterExpression array, int length)
        => Expression.Assign(array, Expression.NewArrayBounds(typeof(double), I(length)));

    private static Expression Data(double[,] data, Expression row, Expression column) => Expression.ArrayAccess(Captured(() => data), row, column);

    private static Expression Target(double[] targets, Expression row) => Expression.ArrayIndex(Captured(() => targets), row);

    private static Expression Mod(Expression value, int modulus) => Expression.Modulo(value, I(modulus));

    /// <summary><c>(double)(i + 1)</c>.</summary>
    private static Expression OnePlus(Expression i) => ToDouble(Add(i, I(1)));

    /// <summary><c>s += term</c> (a reduction, fused) when decay is 1, else <c>s = decay * s + term</c> (recomputed).</summary>
    private static Expression Accumulate(ParameterExpression s, Expression term, double decay)
        => decay == 1 ? Expression.AddAssign(s, term) : Expression.Assign(s, Add(Mul(C(decay), s), term));

    /// <summary><c>sum_{k &lt; count} term(k)</c> through a loop of its own.</summary>
    private static Expression Sum(int count, Func<ParameterExpression, Expression> term) => Sum(I(count), term);

    private static Expression Sum(Expression count, Func<ParameterExpression, Expression> term)
    {
        var s = Double("sum");
        return Expression.Block(typeof(double), [s], Expression.Assign(s, C(0)),
            For("k", I(0), count, k => Expression.AddAssign(s, term(k))), s);
    }

    /// <summary>
    /// The fill <c>for (j = 0; j &lt; count; j++) { a[j] = value(j); then(j) }</c>; <paramref name="wrapStore"/> can put the
    /// store under a condition (which makes it no fill).
    /// </summary>
    private static Expression Fill(ParameterExpression array, int count, Func<ParameterExpression, Expression> value,
        Func<ParameterExpression, Expression>? then = null, Func<ParameterExpression, Expression, Expression>? wrapStore = null,
        LoopShape shape = LoopShape.Guarded, StepStyle style = StepStyle.PostIncrement)
        => Fill(array, I(count), value, then, wrapStore, shape, style);

    private static Expression Fill(ParameterExpression array, Expression count, Func<ParameterExpression, Expression> value,
        Func<ParameterExpression, Expression>? then = null, Func<ParameterExpression, Expression, Expression>? wrapStore = null,
        LoopShape shape = LoopShape.Guarded, StepStyle style = StepStyle.PostIncrement)
        => For("j", I(0), count, j =>
        {
            Expression store = Expression.Assign(At(array, j), value(j));
            if (wrapStore is not null) store = wrapStore(j, store);
            return then is null ? store : Statements(store, then(j));
        }, style: style, shape: shape);

    private static readonly System.Reflection.MethodInfo ArrayClear = typeof(Array).GetMethod(nameof(Array.Clear), [typeof(Array)])!;

    // ---------------------------------------------------------------- the hidden layer, as an expression and in C#

    public sealed record Activation(string Name, Func<Expression, Expression> Build, Func<double, double> F, Func<double, double> Df)
    {
        public override string ToString() => Name;
    }

    private static readonly Activation TanhUnit = new("tanh", Tanh, Math.Tanh, t => 1 - Math.Tanh(t) * Math.Tanh(t));
    private static readonly Activation SinUnit = new("sin", Sin, Math.Sin, Math.Cos);

    /// <summary>
    /// H hidden units over the D columns of a data row: s_j(r) = b_j + sum_i W_ji data[r, i], h_j = act(s_j), and
    /// an output y = sum_j v_j h_j; W = x[o, o+H*D), b = x[o+H*D, o+H*D+H), v = the next H inputs (o = offset).
    /// </summary>
    private sealed record Layer(int Hidden, int Offset = 0)
    {
        /// <summary>The length of h and the bound of the loops over it in the expression (Hidden unless computed at run time).</summary>
        public Expression Length { get; init; } = I(Hidden);

        public int W(int j, int i) => Offset + j * D + i;
        public int B(int j) => Offset + Hidden * D + j;
        public int V(int j) => Offset + Hidden * D + Hidden + j;
        public int End => Offset + Hidden * (D + 2);

        public Expression PreActivation(Expression j, double[,] data, Expression row)
        {
            var s = Double("s");
            return Expression.Block(typeof(double), [s],
                Expression.Assign(s, Xi(Add(I(B(0)), j))),
                For("i", I(0), I(D), i => Expression.AddAssign(s, Mul(Xi(Add(Add(I(Offset), Mul(j, I(D))), i)), Data(data, row, i)))),
                s);
        }

        /// <summary>The fill h[j] = act(s_j(row)) for every unit.</summary>
        public Expression FillHidden(ParameterExpression h, Activation act, double[,] data, Expression row,
            Func<ParameterExpression, Expression>? then = null, LoopShape shape = LoopShape.Guarded, StepStyle style = StepStyle.PostIncrement)
            => Fill(h, Length, j => act.Build(PreActivation(j, data, row)), then, shape: shape, style: style);

        public Expression Output(Expression h) => Sum(Length, j => Mul(Xi(Add(I(V(0)), j)), At(h, j)));

        public double S(double[] x, double[,] data, int row, int j)
        {
            var s = x[B(j)];
            for (var i = 0; i < D; i++) s += x[W(j, i)] * data[row, i];
            return s;
        }

        public double[] H(Activation act, double[] x, double[,] data, int row)
            => Enumerable.Range(0, Hidden).Select(j => act.F(S(x, data, row, j))).ToArray();

        public double Y(double[] x, double[] h) => Enumerable.Range(0, Hidden).Sum(j => x[V(j)] * h[j]);

        /// <summary>Adds dy * dy/dv into g and dy * dy/dh into dh.</summary>
        public void BackOutput(double[] x, double[] h, double dy, double[] dh, double[] g)
        {
            for (var j = 0; j < Hidden; j++)
            {
                g[V(j)] += dy * h[j];
                dh[j] += dy * x[V(j)];
            }
        }

        /// <summary>Given d/dh of something, adds its gradient through W and b into g.</summary>
        public void BackHidden(Activation act, double[] x, double[,] data, int row, double[] dh, double[] g)
        {
            for (var j = 0; j < Hidden; j++)
            {
                var ds = dh[j] * act.Df(S(x, data, row, j));
                g[B(j)] += ds;
                for (var i = 0; i < D; i++) g[W(j, i)] += ds * data[row, i];
            }
        }
    }

    // ---------------------------------------------------------------- the row-by-row loss, as an expression and in C#

    public enum ReadBack { None, Linear, Square }

    /// <summary>
    /// One loop over the data rows refilling the shared hidden array h for every row:
    /// res = y + 0.3 u - t_r (u = sum_j h_j or h_j^2 accumulated by the fill itself reading back h[j], if any),
    /// s = decay * s + (e + 1) res^2; the rows loop runs <see cref="Epochs"/> times inside an outer loop over e
    /// when Epochs &gt; 1; with <see cref="BreakAbove"/>, the rows loop breaks, after the fill, at the first row whose
    /// target is above it.
    /// </summary>
    private sealed record Rows(Layer Layer, Activation Act, double Decay = 1, ReadBack ReadBack = ReadBack.None, int Epochs = 1,
        double? BreakAbove = null, LoopShape FillShape = LoopShape.Guarded, StepStyle FillStep = StepStyle.PostIncrement,
        LoopShape RowShape = LoopShape.Guarded)
    {
        public Expression Loop(ParameterExpression h, ParameterExpression s, double[,] data, double[] targets)
        {
            Expression Body(ParameterExpression r, LabelTarget end, Expression? epoch)
            {
                var y = Double("y");
                var u = Double("u");
                var res = Double("res");
                Func<ParameterExpression, Expression>? readBack = ReadBack switch
                {
                    ReadBack.Linear => j => Expression.AddAssign(u, At(h, j)),
                    ReadBack.Square => j => Expression.AddAssign(u, Mul(At(h, j), At(h, j))),
                    _ => null,
                };
                var statements = new List<Expression>
                {
                    Expression.Assign(u, C(0)),
                    Layer.FillHidden(h, Act, data, r, readBack, FillShape, FillStep),
                    Expression.Assign(y, Layer.Output(h)),
                };
                if (BreakAbove is { } limit) statements.Add(BreakIf(Expression.GreaterThan(Target(targets, r), C(limit)), end));
                var output = ReadBack == ReadBack.None ? (Expression)y : Add(y, Mul(C(0.3), u));
                statements.Add(Expression.Assign(res, Sub(output, Target(targets, r))));
                var term = epoch is null ? Square(res) : Mul(OnePlus(epoch), Square(res));
                statements.Add(Accumulate(s, term, Decay));
                return Expression.Block(typeof(void), [y, u, res], statements);
            }

            Expression RowsLoop(Expression? epoch) => For("r", I(0), I(data.GetLength(0)), (r, end) => Body(r, end, epoch), shape: RowShape);
            return Epochs == 1 ? RowsLoop(null) : For("e", I(0), I(Epochs), e => RowsLoop(e));
        }

        /// <summary>The value of s after the loop, adding its gradient into g.</summary>
        public double Evaluate(double[] x, double[,] data, double[] targets, double[] g)
        {
            var visits = new List<(int Epoch, int Row)>();
            for (var e = 0; e < Epochs; e++)
                for (var r = 0; r < data.GetLength(0); r++)
                {
                    if (BreakAbove is { } limit && targets[r] > limit) break;
                    visits.Add((e, r));
                }
            double s = 0;
            for (var v = 0; v < visits.Count; v++)
            {
                var (e, r) = visits[v];
                var h = Layer.H(Act, x, data, r);
                var u = ReadBack switch
                {
                    ReadBack.Linear => h.Sum(),
                    ReadBack.Square => h.Sum(t => t * t),
                    _ => 0,
                };
                var res = Layer.Y(x, h) + 0.3 * u - targets[r];
                s = Decay * s + (e + 1) * res * res;
                // Row v reaches the final s through the decays of the visits after it.
                var dres = Math.Pow(Decay, visits.Count - 1 - v) * (e + 1) * 2 * res;
                var dh = new double[Layer.Hidden];
                Layer.BackOutput(x, h, dres, dh, g);
                for (var j = 0; j < Layer.Hidden; j++)
                    dh[j] += dres * 0.3 * (ReadBack == ReadBack.Linear ? 1 : ReadBack == ReadBack.Square ? 2 * h[j] : 0);
                Layer.BackHidden(Act, x, data, r, dh, g);
            }
            return s;
        }
    }

    /// <summary>h = new double[H]; total = sum over the row loops, run one after the other, all refilling h.</summary>
    private static Expression<Func<double[], double>> RowLosses(double[,] data, double[] targets, params Rows[] loops)
        => RowLosses(data, targets, [], loops);

    /// <param name="setup">Statements before h is created (assigning a length variable, say), with their variables.</param>
    private static Expression<Func<double[], double>> RowLosses(double[,] data, double[] targets,
        (ParameterExpression Variable, Expression Value)[] setup, Rows[] loops)
    {
        var h = ArrayVariable("h");
        var total = Double("total");
        var statements = setup.Select(s => (Expression)Expression.Assign(s.Variable, s.Value)).ToList();
        statements.Add(Expression.Assign(h, Expression.NewArrayBounds(typeof(double), loops[0].Layer.Length)));
        statements.Add(Expression.Assign(total, C(0)));
        foreach (var loop in loops)
        {
            var s = Double("s");
            statements.Add(Expression.Block(typeof(void), [s], Expression.Assign(s, C(0)), loop.Loop(h, s, data, targets), Expression.AddAssign(total, s)));
        }
        statements.Add(total);
        return Lambda(Expression.Block(setup.Select(s => s.Variable).Append(h).Append(total), statements));
    }

    private static double[] RowLossesGradient(double[] x, double[,] data, double[] targets, params Rows[] loops)
    {
        var g = new double[x.Length];
        foreach (var loop in loops) loop.Evaluate(x, data, targets, g);
        return g;
    }

    // ---------------------------------------------------------------- checks

    private static (double[,] Data, double[] Targets) RandomRows(Random random, int rows)
    {
        var data = new double[rows, D];
        for (var r = 0; r < rows; r++) for (var i = 0; i < D; i++) data[r, i] = random.NextDouble() * 2 - 1;
        return (data, Enumerable.Range(0, rows).Select(_ => random.NextDouble()).ToArray());
    }

    /// <summary>Finite differences (directional and per coordinate), the hand gradient, forward mode, and optionally the Hessian.</summary>
    private static double[] CheckAllModes(Expression<Func<double[], double>> f, double[] x, double[] hand, int seed, bool hessian = true)
    {
        var g = LoopCheck.Run(f, x, seed, hand, perCoordinate: true);
        AssertForwardAgrees(f, x, g, seed);
        if (hessian) HessianTests.AssertMatchesGradientDifferences(f, x);
        return g;
    }

    /// <summary>Forward mode in a random direction v gives g.v to 1e-12 relative to the size of the terms.</summary>
    private static void AssertForwardAgrees(Expression<Func<double[], double>> f, double[] x, double[] g, int seed)
    {
        if (x.Length == 0) return;
        var v = FiniteDifferences.RandomUnitDirection(new Random(seed + 1000), x.Length);
        var expected = FiniteDifferences.Dot(g, v);
        var actual = AD.DirectionalDerivative(f)(x, v);
        var scale = 1 + g.Zip(v, (a, b) => Math.Abs(a * b)).Sum();
        Assert.True(Math.Abs(actual - expected) <= 1e-12 * scale,
            $"forward mode {Numeric.R(actual)} vs gradient . v {Numeric.R(expected)} (seed {seed})");
    }

    /// <summary>
    /// Exact: finite differences per coordinate, the hand gradient and forward mode. These functions were refused (or
    /// exact) before the reverse sweep kept the values of overwritten arrays (taped reads, snapshots at entry); none may be refused now.
    /// </summary>
    private static void AssertExact(Expression<Func<double[], double>> f, double[] x, double[] hand, int seed)
    {
        var g = LoopCheck.Run(f, AD.Differentiate(f), x, seed, hand, perCoordinate: true);
        AssertForwardAgrees(f, x, g, seed);
    }

    // ---------------------------------------------------------------- 1. not a fill: not scratch, differentiated all the same

    public enum NotAFill
    {
        /// <summary>u = h[0] before the fill: the value the previous row left.</summary>
        ReadBeforeFill,

        /// <summary>The fill stops at H - 1; the last element carries y from one row to the next.</summary>
        FillStopsOneShort,

        /// <summary>h[j] is stored only where data[r, j % D] &gt; 0; other elements keep the previous row's values.</summary>
        ConditionalStore,

        /// <summary>h[0] is read after the rows loop: the last row's value.</summary>
        ReadAfterTheRows,

        /// <summary>h[j] = tanh(s_j + h[j]): the fill reads the element it is about to overwrite, the previous row's.</summary>
        FillReadsTheOldElement,
    }

    /// <summary>loss = sum_r (y_r + 0.5 u_r - t_r)^2 over the row-by-row layer, broken as <paramref name="kind"/> says.</summary>
    private static Expression<Func<double[], double>> NotAFillFunction(NotAFill kind, Layer layer, double[,] data, double[] targets)
    {
        var h = ArrayVariable("h");
        var loss = Double("loss");
        var count = kind == NotAFill.FillStopsOneShort ? layer.Hidden - 1 : layer.Hidden;
        return Lambda(Expression.Block([h, loss],
            Create(h, layer.Hidden),
            Expression.Assign(loss, C(0)),
            For("r", I(0), I(data.GetLength(0)), r =>
            {
                var y = Double("y");
                var u = Double("u");
                Func<ParameterExpression, Expression, Expression>? wrapStore = kind == NotAFill.ConditionalStore
                    ? (j, store) => Expression.IfThen(Expression.GreaterThan(Data(data, r, Mod(j, D)), C(0)), store)
                    : null;
                var body = new List<Expression>
                {
                    Expression.Assign(u, kind == NotAFill.ReadBeforeFill ? At(h, 0) : C(0)),
                    Fill(h, count, j => Tanh(kind == NotAFill.FillReadsTheOldElement
                        ? Add(layer.PreActivation(j, data, r), At(h, j))
                        : layer.PreActivation(j, data, r)), wrapStore: wrapStore),
                    Expression.Assign(y, layer.Output(h)),
                };
                if (kind == NotAFill.FillStopsOneShort) body.Add(Expression.Assign(At(h, layer.Hidden - 1), y));
                body.Add(Expression.AddAssign(loss, Square(Sub(Add(y, Mul(C(0.5), u)), Target(targets, r)))));
                return Expression.Block(typeof(void), [y, u], body);
            }),
            kind == NotAFill.ReadAfterTheRows ? Add(loss, Mul(At(h, 0), Xi(0))) : loss));
    }

    [Theory]
    // None of these is a scratch array, and each was refused until the reverse sweep learnt to keep what overwritten
    // arrays held: the reverse recomputes row r after rows r+1..R-1 have run, so h then holds what later rows stored.
    // In each, the rows loop now pushes h whole at the start of every row and restores it before recomputing the row.
    // ReadBeforeFill: row r reads h[0] as row r-1 left it, before its own fill.
    [InlineData(NotAFill.ReadBeforeFill)]
    // FillStopsOneShort: h[H-1] is never refilled; it carries y of row r-1 into row r (a recurrence through the array).
    [InlineData(NotAFill.FillStopsOneShort)]
    // ConditionalStore: where the condition is false the element keeps the value of an earlier row.
    [InlineData(NotAFill.ConditionalStore)]
    // ReadAfterTheRows: the last row's values escape the rows loop, whose reverse is then not fused into the forward sweep.
    [InlineData(NotAFill.ReadAfterTheRows)]
    // FillReadsTheOldElement: h[j] = tanh(s_j + h[j]) reads h[j] before storing it, i.e. row r-1's value: a recurrence
    // across rows through every element, read in the fill loop nested in the row.
    [InlineData(NotAFill.FillReadsTheOldElement)]
    public void AnArrayThatIsNotRefilledBeforeEveryReadIsDifferentiatedExactly(NotAFill kind)
    {
        var random = new Random(100 + (int)kind);
        var (data, targets) = RandomRows(random, 5);
        var layer = new Layer(3);
        var f = NotAFillFunction(kind, layer, data, targets);
        var x = FiniteDifferences.RandomPoint(random, layer.End, -1, 1);
        var g = LoopCheck.Run(f, x, (int)kind, perCoordinate: true);
        AssertForwardAgrees(f, x, g, (int)kind);
        HessianTests.AssertMatchesGradientDifferences(f, x);
    }

    // ---------------------------------------------------------------- nested owners: reads covered only by an outer fill

    /// <summary>
    /// for r: { fill h[j] = tanh(x_j d[r, j%D]); pre = x[H] h[0] + x[H+1] h[1] + ... (unrolled);
    ///          for k &lt; K: { fill h[j] = sin(x[2H+j] (k+1) d[r, (j+1)%D]); inner += sum_j x[3H+j] h[j] };
    ///          loss += pre * h[0] (+ inner) }.
    /// h[0] after the k loop is the last k's value: the read is covered by the rows' fill (so h looks scratch for
    /// the rows loop) but not by the k loop's own fill, which ran before it.
    /// </summary>
    private static Expression<Func<double[], double>> ReadAfterInnerOwner(double[,] data, int hidden, int inner, bool perRowAccumulator)
    {
        var h = ArrayVariable("h");
        var loss = Double("loss");
        return Lambda(Expression.Block([h, loss],
            Create(h, hidden),
            Expression.Assign(loss, C(0)),
            For("r", I(0), I(data.GetLength(0)), r =>
            {
                // The inner sums go into a per-row variable added to the loss after the k loop (the k loop is then a
                // reduction with adjoint 1, fused), or straight into the loss (the rows are then no reduction).
                var pre = Double("pre");
                var acc = perRowAccumulator ? Double("inner") : loss;
                var body = new List<Expression>
                {
                    Fill(h, hidden, j => Tanh(Mul(Xi(j), Data(data, r, Mod(j, D))))),
                    // Straight-line reads (a loop reading h here would need h snapshotted at each row's start: the k loop writes h after it).
                    Expression.Assign(pre, Enumerable.Range(0, hidden).Select(j => Mul(Xi(hidden + j), At(h, j))).Aggregate(Add)),
                    For("k", I(0), I(inner), k => Statements(
                        Fill(h, hidden, j => Sin(Mul(Mul(Xi(Add(I(2 * hidden), j)), OnePlus(k)), Data(data, r, Mod(Add(j, I(1)), D))))),
                        For("j", I(0), I(hidden), j => Expression.AddAssign(acc, Mul(Xi(Add(I(3 * hidden), j)), At(h, j)))))),
                    Expression.AddAssign(loss, perRowAccumulator ? Add(Mul(pre, At(h, 0)), acc) : Mul(pre, At(h, 0))),
                };
                if (perRowAccumulator) body.Insert(0, Expression.Assign(acc, C(0)));
                return Expression.Block(typeof(void), perRowAccumulator ? [pre, acc] : [pre], body);
            }),
            loss));
    }

    private static double[] ReadAfterInnerOwnerGradient(double[] x, double[,] data, int hidden, int inner)
    {
        var g = new double[x.Length];
        for (var r = 0; r < data.GetLength(0); r++)
        {
            var a = Enumerable.Range(0, hidden).Select(j => Math.Tanh(x[j] * data[r, j % D])).ToArray();
            var pre = Enumerable.Range(0, hidden).Sum(j => x[hidden + j] * a[j]);
            double Arg(int k, int j) => x[2 * hidden + j] * (k + 1) * data[r, (j + 1) % D];
            for (var k = 0; k < inner; k++)
                for (var j = 0; j < hidden; j++)
                {
                    g[3 * hidden + j] += Math.Sin(Arg(k, j));
                    g[2 * hidden + j] += x[3 * hidden + j] * Math.Cos(Arg(k, j)) * (k + 1) * data[r, (j + 1) % D];
                }
            var post = Math.Sin(Arg(inner - 1, 0));
            for (var j = 0; j < hidden; j++)
            {
                g[hidden + j] += post * a[j];
                g[j] += post * x[hidden + j] * (1 - a[j] * a[j]) * data[r, j % D];
            }
            g[2 * hidden] += pre * Math.Cos(Arg(inner - 1, 0)) * inner * data[r, 1 % D];
        }
        return g;
    }

    [Theory]
    [InlineData(true, 21)]
    [InlineData(false, 22)]
    public void AReadAfterAnInnerRefillCoveredOnlyByTheOuterFillIsExact(bool perRowAccumulator, int seed)
    {
        // The k loop fills h before reading it, but the rows loop reads h[0] again after the k loop: the k loop's
        // iterations are not independent of what follows them (the last one's h[0] is read later), so a fused
        // reverse of the k loop, run before that read's adjoint exists, would hand the adjoint of h[0] to the
        // rows' fill instead of the last k's.
        const int hidden = 2, inner = 3;
        var random = new Random(seed);
        var (data, _) = RandomRows(random, 4);
        var x = FiniteDifferences.RandomPoint(random, 4 * hidden, -1, 1);
        AssertExact(ReadAfterInnerOwner(data, hidden, inner, perRowAccumulator), x,
            ReadAfterInnerOwnerGradient(x, data, hidden, inner), seed);
    }

    /// <summary>
    /// for r: { fill h[j] = tanh(x_j d[r, j%D]);
    ///          for m &lt; M: { loss += x[H] h[0]^2; for k &lt; K: { fill h[j] = sin(x[H+1+j] (m+1)(k+1) d[r, j%D]); loss += sum_j x[2H+1+j] h[j] } } }.
    /// Iteration m &gt; 0 of the m loop reads h[0] as the last k of iteration m-1 left it: covered by the rows' fill,
    /// yet the m loop contains a fill (the k loop's), so it "refills h within" itself without refilling before that read.
    /// </summary>
    private static Expression<Func<double[], double>> ReadOfThePreviousInnerRefill(double[,] data, int hidden, int middle, int inner)
    {
        var h = ArrayVariable("h");
        var loss = Double("loss");
        return Lambda(Expression.Block([h, loss],
            Create(h, hidden),
            Expression.Assign(loss, C(0)),
            For("r", I(0), I(data.GetLength(0)), r => Statements(
                Fill(h, hidden, j => Tanh(Mul(Xi(j), Data(data, r, Mod(j, D))))),
                For("m", I(0), I(middle), m => Statements(
                    Expression.AddAssign(loss, Mul(Xi(hidden), Mul(At(h, 0), At(h, 0)))),
                    For("k", I(0), I(inner), k => Statements(
                        Fill(h, hidden, j => Sin(Mul(Mul(Mul(Xi(Add(I(hidden + 1), j)), OnePlus(m)), OnePlus(k)), Data(data, r, Mod(j, D))))),
                        For("j", I(0), I(hidden), j => Expression.AddAssign(loss, Mul(Xi(Add(I(2 * hidden + 1), j)), At(h, j)))))))))),
            loss));
    }

    private static double[] ReadOfThePreviousInnerRefillGradient(double[] x, double[,] data, int hidden, int middle, int inner)
    {
        var g = new double[x.Length];
        for (var r = 0; r < data.GetLength(0); r++)
        {
            double Arg(int m, int k, int j) => x[hidden + 1 + j] * (m + 1) * (k + 1) * data[r, j % D];
            for (var m = 0; m < middle; m++)
            {
                var previous = m == 0 ? Math.Tanh(x[0] * data[r, 0]) : Math.Sin(Arg(m - 1, inner - 1, 0));
                g[hidden] += previous * previous;
                var dPrevious = 2 * x[hidden] * previous;
                if (m == 0) g[0] += dPrevious * (1 - previous * previous) * data[r, 0];
                else g[hidden + 1] += dPrevious * Math.Cos(Arg(m - 1, inner - 1, 0)) * m * inner * data[r, 0];
                for (var k = 0; k < inner; k++)
                    for (var j = 0; j < hidden; j++)
                    {
                        g[2 * hidden + 1 + j] += Math.Sin(Arg(m, k, j));
                        g[hidden + 1 + j] += x[2 * hidden + 1 + j] * Math.Cos(Arg(m, k, j)) * (m + 1) * (k + 1) * data[r, j % D];
                    }
            }
        }
        return g;
    }

    [Fact]
    public void ALoopReadingWhatTheLastInnerRefillOfItsPreviousIterationLeftIsExact()
    {
        // Recomputing iteration m of the m loop must read the h[0] left by iteration m-1's last k, which the
        // reverse sweep has overwritten by then (it recomputed iterations m..M-1 first): refilling is not enough.
        const int hidden = 2, middle = 3, inner = 2, seed = 23;
        var random = new Random(seed);
        var (data, _) = RandomRows(random, 3);
        var x = FiniteDifferences.RandomPoint(random, 3 * hidden + 1, -1, 1);
        AssertExact(ReadOfThePreviousInnerRefill(data, hidden, middle, inner), x,
            ReadOfThePreviousInnerRefillGradient(x, data, hidden, middle, inner), seed);
    }

    // ---------------------------------------------------------------- 2, 4, 7: recompute path, read-back fills, tiny trip counts

    [Theory]
    // Fused reduction (s += term) and recomputed rows (s = 0.5 s + term), with the recurrence carried across rows.
    [InlineData(1.0, 6, 3, 1, 31)]
    [InlineData(0.5, 6, 3, 1, 32)]
    [InlineData(0.5, 1, 3, 1, 33)]
    [InlineData(0.5, 0, 3, 1, 34)]
    [InlineData(1.0, 0, 3, 1, 35)]
    [InlineData(1.0, 1, 3, 1, 36)]
    // A hidden array of length 1, fused and recomputed.
    [InlineData(1.0, 4, 1, 1, 37)]
    [InlineData(0.5, 4, 1, 1, 38)]
    // The rows loop inside an outer loop over epochs (recomputed inside the outer loop's reverse when decay < 1).
    [InlineData(0.5, 3, 2, 2, 39)]
    [InlineData(1.0, 3, 2, 3, 40)]
    public void RowsThroughOneHiddenArrayHaveExactGradientsWhetherFusedOrRecomputed(double decay, int rows, int hidden, int epochs, int seed)
    {
        var random = new Random(seed);
        var (data, targets) = RandomRows(random, rows);
        var spec = new Rows(new Layer(hidden), TanhUnit, decay, Epochs: epochs);
        var x = FiniteDifferences.RandomPoint(random, spec.Layer.End, -1, 1);
        CheckAllModes(RowLosses(data, targets, spec), x, RowLossesGradient(x, data, targets, spec), seed);
    }

    [Theory]
    [InlineData(LoopShape.BreakFirst, StepStyle.CompoundAssign, 1.0)]
    [InlineData(LoopShape.BreakFirst, StepStyle.PreIncrement, 0.5)]
    [InlineData(LoopShape.Guarded, StepStyle.Assign, 0.5)]
    [InlineData(LoopShape.Guarded, StepStyle.AssignConstantFirst, 1.0)]
    public void FillLoopsOfEveryCounterShapeAreRecognized(LoopShape shape, StepStyle style, double decay)
    {
        var seed = 41 + (int)shape * 10 + (int)style;
        var random = new Random(seed);
        var (data, targets) = RandomRows(random, 4);
        var spec = new Rows(new Layer(3), TanhUnit, decay, FillShape: shape, FillStep: style);
        var x = FiniteDifferences.RandomPoint(random, spec.Layer.End, -1, 1);
        CheckAllModes(RowLosses(data, targets, spec), x, RowLossesGradient(x, data, targets, spec), seed, hessian: false);
    }

    [Theory]
    [InlineData(true, 1.0, 45)]
    [InlineData(true, 0.5, 46)]
    [InlineData(false, 1.0, 47)]
    [InlineData(false, 0.5, 48)]
    public void AnArrayWhoseLengthIsComputedAtRunTimeIsRefilledToThatLength(bool throughVariable, double decay, int seed)
    {
        // n = x.Length / (D + 2); h = new double[n]; the fill and the output loop run to n (through the variable n,
        // or writing x.Length / (D + 2) again each time).
        var random = new Random(seed);
        var (data, targets) = RandomRows(random, 4);
        var n = Int("n");
        var computed = Expression.Divide(Expression.ArrayLength(X), I(D + 2));
        var spec = new Rows(new Layer(3) { Length = throughVariable ? n : computed }, TanhUnit, decay);
        var f = RowLosses(data, targets, throughVariable ? [(n, computed)] : [], [spec]);
        var x = FiniteDifferences.RandomPoint(random, spec.Layer.End, -1, 1);
        CheckAllModes(f, x, RowLossesGradient(x, data, targets, spec), seed, hessian: false);
    }

    /// <summary>The rows loop stops at the first row whose target is above 0.7, after that row's fill and output.</summary>
    private static (Expression<Func<double[], double>> F, double[] X, double[] Hand) RowsThatBreak(double decay, int seed, LoopShape rowShape)
    {
        var random = new Random(seed);
        var (data, targets) = RandomRows(random, 8);
        targets[5] = 0.9;
        for (var r = 0; r < 5; r++) targets[r] = Math.Min(targets[r], 0.6);
        var spec = new Rows(new Layer(3), SinUnit, decay, BreakAbove: 0.7, RowShape: rowShape);
        var x = FiniteDifferences.RandomPoint(random, spec.Layer.End, -1, 1);
        return (RowLosses(data, targets, spec), x, RowLossesGradient(x, data, targets, spec));
    }

    [Theory]
    [InlineData(0.5, 51)]
    [InlineData(1.0, 52)]
    public void RowsThatBreakAfterTheFillRecomputeThePartialIteration(double decay, int seed)
    {
        // loop { if (!(r < R)) break; fill; y; if (t_r > 0.7) break; s = ... }: every exit at the top level of the body.
        var (f, x, hand) = RowsThatBreak(decay, seed, LoopShape.BreakFirst);
        CheckAllModes(f, x, hand, seed);
    }

    [Theory]
    [InlineData(0.5, 53)]
    [InlineData(1.0, 54)]
    public void RowsThatBreakAfterTheFillInTheGuardedShapeAreExact(double decay, int seed)
    {
        // loop { if (r < R) { fill; y; if (t_r > 0.7) break; s = ... } else break; }: with a break inside, the
        // lowered body keeps the fill inside the if, where the analysis does not look for fills (so h is not scratch there,
        // and each row starts with a snapshot of it).
        var (f, x, hand) = RowsThatBreak(decay, seed, LoopShape.Guarded);
        AssertExact(f, x, hand, seed);
    }

    /// <summary>p = prod_r (1 + 0.1 tanh(sum_j h_j(r))): a product across rows, so each row is recomputed.</summary>
    [Fact]
    public void AProductAcrossRowsRecomputesEachRowByRefillingTheArray()
    {
        const int seed = 53;
        var random = new Random(seed);
        var (data, _) = RandomRows(random, 6);
        var layer = new Layer(3);
        var h = ArrayVariable("h");
        var p = Double("p");
        var f = Lambda(Expression.Block([h, p],
            Create(h, layer.Hidden),
            Expression.Assign(p, C(1)),
            For("r", I(0), I(data.GetLength(0)), r => Statements(
                layer.FillHidden(h, TanhUnit, data, r),
                Expression.MultiplyAssign(p, Add(C(1), Mul(C(0.1), Tanh(Sum(layer.Hidden, j => At(h, j)))))))),
            p));
        var x = FiniteDifferences.RandomPoint(random, layer.End, -1.5, 1.5);

        var factors = new double[data.GetLength(0)];
        for (var r = 0; r < factors.Length; r++) factors[r] = 1 + 0.1 * Math.Tanh(layer.H(TanhUnit, x, data, r).Sum());
        var product = factors.Aggregate(1.0, (a, b) => a * b);
        var hand = new double[x.Length];
        for (var r = 0; r < factors.Length; r++)
        {
            var t = Math.Tanh(layer.H(TanhUnit, x, data, r).Sum());
            var dSum = product / factors[r] * 0.1 * (1 - t * t);
            layer.BackHidden(TanhUnit, x, data, r, Enumerable.Repeat(dSum, layer.Hidden).ToArray(), hand);
        }
        CheckAllModes(f, x, hand, seed);
    }

    [Theory]
    // The fill reads back what it just stored: h[j] = tanh(s); u += h[j]. The reverse needs no value of the load.
    [InlineData(1.0, 61)]
    [InlineData(0.5, 62)]
    public void AFillThatReadsBackWhatItJustStoredHasExactGradients(double decay, int seed)
    {
        var random = new Random(seed);
        var (data, targets) = RandomRows(random, 5);
        var spec = new Rows(new Layer(3), TanhUnit, decay, ReadBack.Linear);
        var x = FiniteDifferences.RandomPoint(random, spec.Layer.End, -1, 1);
        CheckAllModes(RowLosses(data, targets, spec), x, RowLossesGradient(x, data, targets, spec), seed);
    }

    [Theory]
    // h[j] = tanh(s); u += h[j] * h[j]: the reverse of the fill loop needs the value read back. ScratchArrays
    // accepts the read-back, but the fill loop's own recompute (a ghost store, then the load) marks the load
    // unstable because the fill loop writes h; the fill loop keeps the value on the tape instead.
    [InlineData(1.0, 63)]
    [InlineData(0.5, 64)]
    public void AFillThatNeedsTheValueItReadsBackIsExact(double decay, int seed)
    {
        var random = new Random(seed);
        var (data, targets) = RandomRows(random, 5);
        var spec = new Rows(new Layer(3), TanhUnit, decay, ReadBack.Square);
        var x = FiniteDifferences.RandomPoint(random, spec.Layer.End, -1, 1);
        AssertExact(RowLosses(data, targets, spec), x, RowLossesGradient(x, data, targets, spec), seed);
    }

    // ---------------------------------------------------------------- 5. sibling fills of the same array

    [Theory]
    [InlineData(1.0, 1.0, 71)]
    [InlineData(1.0, 0.5, 72)]
    [InlineData(0.5, 0.5, 73)]
    public void TwoSiblingRowLoopsRefillingTheSameArrayHaveExactGradients(double firstDecay, double secondDecay, int seed)
    {
        // Two loops over the rows, one after the other, each refilling h (from different weights and activations)
        // before reading it: each is an owner of h.
        var random = new Random(seed);
        var (data, targets) = RandomRows(random, 4);
        var first = new Rows(new Layer(3), TanhUnit, firstDecay);
        var second = new Rows(new Layer(3, first.Layer.End), SinUnit, secondDecay, ReadBack.Linear);
        var x = FiniteDifferences.RandomPoint(random, second.Layer.End, -1, 1);
        CheckAllModes(RowLosses(data, targets, first, second), x, RowLossesGradient(x, data, targets, first, second), seed);
    }

    [Theory]
    [InlineData(1.0, 74)]
    [InlineData(0.5, 75)]
    public void TwoFillsOfTheSameArrayInOneRowAreExact(double decay, int seed)
    {
        // for r: { fill h from layer 1 (tanh); y1 = v1.h; fill h from layer 2 (sin); y2 = v2.h; s = decay s + (y1 - t)^2 + y1 y2 }.
        // The reverse of y1 needs h as the first fill left it, but the second fill has overwritten it by then.
        var random = new Random(seed);
        var (data, targets) = RandomRows(random, 4);
        Layer one = new(3);
        Layer two = new(3, one.End);
        var h = ArrayVariable("h");
        var s = Double("s");
        var f = Lambda(Expression.Block([h, s],
            Create(h, 3),
            Expression.Assign(s, C(0)),
            For("r", I(0), I(data.GetLength(0)), r =>
            {
                ParameterExpression y1 = Double("y1"), y2 = Double("y2");
                return Expression.Block(typeof(void), [y1, y2],
                    one.FillHidden(h, TanhUnit, data, r),
                    Expression.Assign(y1, one.Output(h)),
                    two.FillHidden(h, SinUnit, data, r),
                    Expression.Assign(y2, two.Output(h)),
                    Accumulate(s, Add(Square(Sub(y1, Target(targets, r))), Mul(y1, y2)), decay));
            }),
            s));
        var x = FiniteDifferences.RandomPoint(random, two.End, -1, 1);

        var hand = new double[x.Length];
        var rows = data.GetLength(0);
        for (var r = 0; r < rows; r++)
        {
            var weight = Math.Pow(decay, rows - 1 - r);
            double[] h1 = one.H(TanhUnit, x, data, r), h2 = two.H(SinUnit, x, data, r);
            double y1 = one.Y(x, h1), y2 = two.Y(x, h2);
            double[] dh1 = new double[3], dh2 = new double[3];
            one.BackOutput(x, h1, weight * (2 * (y1 - targets[r]) + y2), dh1, hand);
            two.BackOutput(x, h2, weight * y1, dh2, hand);
            one.BackHidden(TanhUnit, x, data, r, dh1, hand);
            two.BackHidden(SinUnit, x, data, r, dh2, hand);
        }
        AssertExact(f, x, hand, seed);
    }

    // ---------------------------------------------------------------- 6. inactive scratch arrays

    /// <summary>
    /// for r: { for j: { h[j] = tanh(s_j(r)); c[j] = cos((j+1) d[r, j%D]) }   (one loop fills an active and an inactive array)
    ///          for j: e[j] = d[r, (j+1)%D]^2 + t_r                          (an inactive array alone)
    ///          y = sum_j (v_j c_j h_j + b_j e_j); s = decay s + (y - t_r)^2 }
    /// </summary>
    private static Expression<Func<double[], double>> InactiveArrays(Layer layer, double[,] data, double[] targets, double decay)
    {
        int hidden = layer.Hidden;
        ParameterExpression h = ArrayVariable("h"), c = ArrayVariable("c"), e = ArrayVariable("e"), s = Double("s");
        return Lambda(Expression.Block([h, c, e, s],
            Create(h, hidden), Create(c, hidden), Create(e, hidden),
            Expression.Assign(s, C(0)),
            For("r", I(0), I(data.GetLength(0)), r =>
            {
                var y = Double("y");
                return Expression.Block(typeof(void), [y],
                    Fill(h, hidden, j => Tanh(layer.PreActivation(j, data, r)),
                        then: j => Expression.Assign(At(c, j), Cos(Mul(OnePlus(j), Data(data, r, Mod(j, D)))))),
                    Fill(e, hidden, j => Add(Square(Data(data, r, Mod(Add(j, I(1)), D))), Target(targets, r))),
                    Expression.Assign(y, Sum(hidden, j => Add(
                        Mul(Mul(Xi(Add(I(layer.V(0)), j)), At(c, j)), At(h, j)),
                        Mul(Xi(Add(I(layer.B(0)), j)), At(e, j))))),
                    Accumulate(s, Square(Sub(y, Target(targets, r))), decay));
            }),
            s));
    }

    [Theory]
    [InlineData(1.0, 81)]
    [InlineData(0.5, 82)]
    public void InactiveScratchArraysReadInsideAnActiveLoopHaveExactGradients(double decay, int seed)
    {
        var random = new Random(seed);
        var (data, targets) = RandomRows(random, 5);
        var layer = new Layer(3);
        int hidden = layer.Hidden;
        var f = InactiveArrays(layer, data, targets, decay);
        var x = FiniteDifferences.RandomPoint(random, layer.End, -1, 1);

        var hand = new double[x.Length];
        var rows = data.GetLength(0);
        for (var r = 0; r < rows; r++)
        {
            var hv = layer.H(TanhUnit, x, data, r);
            var cv = Enumerable.Range(0, hidden).Select(j => Math.Cos((j + 1) * data[r, j % D])).ToArray();
            var ev = Enumerable.Range(0, hidden).Select(j => data[r, (j + 1) % D] * data[r, (j + 1) % D] + targets[r]).ToArray();
            var y = Enumerable.Range(0, hidden).Sum(j => x[layer.V(j)] * cv[j] * hv[j] + x[layer.B(j)] * ev[j]);
            var dy = Math.Pow(decay, rows - 1 - r) * 2 * (y - targets[r]);
            var dh = new double[hidden];
            for (var j = 0; j < hidden; j++)
            {
                hand[layer.V(j)] += dy * cv[j] * hv[j];
                hand[layer.B(j)] += dy * ev[j];
                dh[j] = dy * x[layer.V(j)] * cv[j];
            }
            layer.BackHidden(TanhUnit, x, data, r, dh, hand);
        }
        CheckAllModes(f, x, hand, seed);
    }

    // ---------------------------------------------------------------- 3. owned by an inner loop (a Gaussian mixture)

    /// <summary>
    /// loss = sum_r log sum_k exp(a_k - z_rk / 2), z_rk = sum_j y_j^2 exp(l_kj) + sum_j q_j^2, y_j = data[r, j] - mu_kj,
    /// q_j = sum_c L_kjc y_c. y is refilled by the k loop (its owner); q is zeroed (a zero fill or Array.Clear),
    /// accumulated with q[j] += ... over a column loop, and read by a third loop. The k loop's reduction has the
    /// adjoint 1 / sum_k, different per row: it is recorded and recomputed, inside the fused rows.
    /// x = mu (K D), l (K D), L (K D D), a (K).
    /// </summary>
    private sealed record Mixture(int Components)
    {
        public int Mu(int k, int j) => k * D + j;
        public int LogScale(int k, int j) => Components * D + k * D + j;
        public int L(int k, int j, int c) => 2 * Components * D + (k * D + j) * D + c;
        public int A(int k) => 2 * Components * D + Components * D * D + k;
        public int Size => A(Components);

        public Expression<Func<double[], double>> Build(double[,] data, bool clearWithArrayClear)
        {
            ParameterExpression y = ArrayVariable("y"), q = ArrayVariable("q"), loss = Double("loss");
            Expression KD(ParameterExpression k, ParameterExpression j, int offset) => Add(I(offset), Add(Mul(k, I(D)), j));
            return Lambda(Expression.Block([y, q, loss],
                Create(y, D), Create(q, D),
                Expression.Assign(loss, C(0)),
                For("r", I(0), I(data.GetLength(0)), r =>
                {
                    var se = Double("se");
                    return Expression.Block(typeof(void), [se],
                        Expression.Assign(se, C(0)),
                        For("k", I(0), I(Components), k =>
                        {
                            var z = Double("z");
                            return Expression.Block(typeof(void), [z],
                                Fill(y, D, j => Sub(Data(data, r, j), Xi(KD(k, j, 0)))),
                                clearWithArrayClear ? Expression.Call(ArrayClear, q) : Fill(q, D, _ => C(0)),
                                For("j", I(0), I(D), j => For("c", I(0), I(D), c =>
                                    Expression.AddAssign(At(q, j), Mul(Xi(Add(I(L(0, 0, 0)), Add(Mul(KD(k, j, 0), I(D)), c))), At(y, c))))),
                                Expression.Assign(z, Sum(D, j => Mul(Mul(At(y, j), At(y, j)), Exp(Xi(KD(k, j, LogScale(0, 0))))))),
                                Expression.AddAssign(z, Sum(D, j => Mul(At(q, j), At(q, j)))),
                                Expression.AddAssign(se, Exp(Sub(Xi(Add(I(A(0)), k)), Mul(C(0.5), z)))));
                        }),
                        Expression.AddAssign(loss, Log(se)));
                }),
                loss));
        }

        public double[] Gradient(double[] x, double[,] data)
        {
            var g = new double[x.Length];
            for (var r = 0; r < data.GetLength(0); r++)
            {
                var e = new double[Components];
                var ys = new double[Components][];
                var qs = new double[Components][];
                for (var k = 0; k < Components; k++)
                {
                    var y = ys[k] = Enumerable.Range(0, D).Select(j => data[r, j] - x[Mu(k, j)]).ToArray();
                    var q = qs[k] = Enumerable.Range(0, D).Select(j => Enumerable.Range(0, D).Sum(c => x[L(k, j, c)] * y[c])).ToArray();
                    var z = Enumerable.Range(0, D).Sum(j => y[j] * y[j] * Math.Exp(x[LogScale(k, j)]) + q[j] * q[j]);
                    e[k] = Math.Exp(x[A(k)] - 0.5 * z);
                }
                var se = e.Sum();
                for (var k = 0; k < Components; k++)
                {
                    double[] y = ys[k], q = qs[k];
                    g[A(k)] += e[k] / se;
                    var dz = -0.5 * e[k] / se;
                    for (var j = 0; j < D; j++)
                    {
                        g[LogScale(k, j)] += dz * y[j] * y[j] * Math.Exp(x[LogScale(k, j)]);
                        var dy = dz * 2 * y[j] * Math.Exp(x[LogScale(k, j)]);
                        for (var i = 0; i < D; i++) dy += dz * 2 * q[i] * x[L(k, i, j)];
                        g[Mu(k, j)] -= dy;
                        for (var c = 0; c < D; c++) g[L(k, j, c)] += dz * 2 * q[j] * y[c];
                    }
                }
            }
            return g;
        }
    }

    private static double[] MixturePoint(Random random, Mixture mixture) => FiniteDifferences.RandomPoint(random, mixture.Size, -0.6, 0.6);

    [Theory]
    [InlineData(4, 2, false, 91)]
    [InlineData(4, 2, true, 92)]
    [InlineData(1, 3, false, 93)]
    [InlineData(0, 2, true, 94)]
    [InlineData(3, 1, false, 95)]
    public void AnArrayOwnedByAnInnerLoopHasExactGradients(int rows, int components, bool clearWithArrayClear, int seed)
    {
        var random = new Random(seed);
        var (data, _) = RandomRows(random, rows);
        var mixture = new Mixture(components);
        var x = MixturePoint(random, mixture);
        CheckAllModes(mixture.Build(data, clearWithArrayClear), x, mixture.Gradient(x, data), seed);
    }

    // ---------------------------------------------------------------- 9. Hessian-vector products

    [Theory]
    [InlineData(0, 101)]
    [InlineData(1, 102)]
    [InlineData(2, 103)]
    public void HessianVectorProductsMatchDifferencesOfTheGradient(int which, int seed)
    {
        var random = new Random(seed);
        var (data, targets) = RandomRows(random, 4);
        var (f, x) = which switch
        {
            0 => (new Mixture(2).Build(data, clearWithArrayClear: false), MixturePoint(random, new Mixture(2))),
            1 => (RowLosses(data, targets, new Rows(new Layer(3), TanhUnit, 0.5, ReadBack.Linear)), FiniteDifferences.RandomPoint(random, new Layer(3).End, -1, 1)),
            _ => (RowLosses(data, targets, new Rows(new Layer(2), SinUnit, 0.5, Epochs: 2)), FiniteDifferences.RandomPoint(random, new Layer(2).End, -1, 1)),
        };
        var v = FiniteDifferences.RandomUnitDirection(random, x.Length);
        var product = new double[x.Length];
        var value = AD.HessianVectorProduct(f)(x, v, product);
        Numeric.AssertClose(f.Compile()(x), value, 1e-14, "the Hessian-vector product's value");

        var gradient = AD.Differentiate(f);
        const double step = 1e-5;
        double[] plus = new double[x.Length], minus = new double[x.Length];
        gradient(FiniteDifferences.Offset(x, v, step), plus);
        gradient(FiniteDifferences.Offset(x, v, -step), minus);
        var (_, _, hessian) = HessianTests.Evaluate(f, x);
        for (var i = 0; i < x.Length; i++)
        {
            var fd = (plus[i] - minus[i]) / (2 * step);
            Assert.True(Math.Abs(fd - product[i]) <= 1e-6 * (1 + Math.Abs(product[i])), $"(Hv)[{i}] = {Numeric.R(product[i])}, differences {Numeric.R(fd)}");
            var hv = Enumerable.Range(0, x.Length).Sum(j => hessian[i, j] * v[j]);
            Assert.True(Math.Abs(hv - product[i]) <= 1e-12 * (1 + Math.Abs(hv)), $"(Hv)[{i}] = {Numeric.R(product[i])}, Hessian times v {Numeric.R(hv)}");
        }
    }

    // ---------------------------------------------------------------- 8. vector functions

    private static Expression<Func<double[], double[]>> VectorLambda(Expression body) => Expression.Lambda<Func<double[], double[]>>(body, X);

    /// <summary>Central differences, column by column.</summary>
    private static double[,] JacobianByDifferences(Func<double[], double[]> f, double[] x, int m)
    {
        var jacobian = new double[m, x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            var step = FiniteDifferences.CoordinateStep(x[i]);
            var plus = (double[])x.Clone();
            var minus = (double[])x.Clone();
            plus[i] += step;
            minus[i] -= step;
            double[] fPlus = f(plus), fMinus = f(minus);
            for (var k = 0; k < m; k++) jacobian[k, i] = (fPlus[k] - fMinus[k]) / (2 * step);
        }
        return jacobian;
    }

    /// <summary>AD.Jacobian against the plain values, the hand Jacobian (1e-12) and central differences (1e-6).</summary>
    private static void CheckJacobian(Expression<Func<double[], double[]>> f, double[] x, double[,] hand)
    {
        var m = hand.GetLength(0);
        var (values, jacobian) = JacobianTests.Evaluate(f, x, m);
        var plain = f.Compile();
        Assert.Equal(plain(x), values);
        JacobianTests.AssertClose(hand, jacobian, 1e-12);
        JacobianTests.AssertClose(JacobianByDifferences(plain, x, m), jacobian, 1e-6);
    }

    [Theory]
    // m <= n (6 inputs) is reverse mode, one gradient per output; m > n is forward mode.
    [InlineData(3, 111)]
    [InlineData(6, 112)]
    [InlineData(9, 113)]
    public void AVectorFunctionWithAScratchArrayPerOutputHasTheExactJacobian(int m, int seed)
    {
        // r = new double[m]; for k < m: { fill h[j] = tanh(s_j(k)) (row k of the data); y = v.h; r[k] = y + 0.1 y^2 }; return r.
        var random = new Random(seed);
        var (data, _) = RandomRows(random, m);
        var layer = new Layer(2);
        ParameterExpression result = ArrayVariable("r"), h = ArrayVariable("h");
        var f = VectorLambda(Expression.Block([result, h],
            Create(result, m), Create(h, layer.Hidden),
            For("k", I(0), I(m), k =>
            {
                var y = Double("y");
                return Expression.Block(typeof(void), [y],
                    layer.FillHidden(h, TanhUnit, data, k),
                    Expression.Assign(y, layer.Output(h)),
                    Expression.Assign(At(result, k), Add(y, Mul(C(0.1), Square(y)))));
            }),
            result));
        var x = FiniteDifferences.RandomPoint(random, layer.End, -1, 1);

        var hand = new double[m, x.Length];
        for (var k = 0; k < m; k++)
        {
            var row = new double[x.Length];
            var hv = layer.H(TanhUnit, x, data, k);
            var dy = 1 + 0.2 * layer.Y(x, hv);
            var dh = new double[layer.Hidden];
            layer.BackOutput(x, hv, dy, dh, row);
            layer.BackHidden(TanhUnit, x, data, k, dh, row);
            for (var i = 0; i < x.Length; i++) hand[k, i] = row[i];
        }
        CheckJacobian(f, x, hand);
    }

    [Theory]
    [InlineData(3, false, 121)]
    [InlineData(3, true, 122)]
    [InlineData(10, false, 123)]
    [InlineData(10, true, 124)]
    public void AReturnedArrayFilledInsideTheRowsLoopHasTheExactJacobian(int m, bool accumulate, int seed)
    {
        // r = new double[m]; for row: { fill h (scratch); for k < m: r[k] (= or +=) (row + 1) v_{k%H} h_{k%H} }; return r.
        // Overwritten, only the last row's values are returned: the returned array is refilled by every row like
        // a scratch array, but the caller reads it after the loop, so it must not be treated as one.
        const int rows = 4;
        var random = new Random(seed);
        var (data, _) = RandomRows(random, rows);
        var layer = new Layer(2);
        int hidden = layer.Hidden;
        ParameterExpression result = ArrayVariable("r"), h = ArrayVariable("h");
        var f = VectorLambda(Expression.Block([result, h],
            Create(result, m), Create(h, hidden),
            For("row", I(0), I(rows), row => Statements(
                layer.FillHidden(h, TanhUnit, data, row),
                For("k", I(0), I(m), k =>
                {
                    var term = Mul(Mul(OnePlus(row), Xi(Add(I(layer.V(0)), Mod(k, hidden)))), At(h, Mod(k, hidden)));
                    return accumulate ? Expression.AddAssign(At(result, k), term) : Expression.Assign(At(result, k), term);
                }))),
            result));
        var x = FiniteDifferences.RandomPoint(random, layer.End, -1, 1);

        var hand = new double[m, x.Length];
        for (var row = accumulate ? 0 : rows - 1; row < rows; row++)
        {
            var hv = layer.H(TanhUnit, x, data, row);
            for (var k = 0; k < m; k++)
            {
                var gradient = new double[x.Length];
                var dh = new double[hidden];
                dh[k % hidden] = (row + 1) * x[layer.V(k % hidden)];
                gradient[layer.V(k % hidden)] += (row + 1) * hv[k % hidden];
                layer.BackHidden(TanhUnit, x, data, row, dh, gradient);
                for (var i = 0; i < x.Length; i++) hand[k, i] += gradient[i];
            }
        }
        CheckJacobian(f, x, hand);
    }

    // ---------------------------------------------------------------- 10. no allocation in steady state

    public enum Steady { FusedRows, RecomputedRows, NestedRowsWithReadBack, Mixture }

    [Theory]
    [InlineData(Steady.FusedRows)]
    [InlineData(Steady.RecomputedRows)]
    [InlineData(Steady.NestedRowsWithReadBack)]
    [InlineData(Steady.Mixture)]
    public void ASteadyStateGradientCallAllocatesNothing(Steady kind)
    {
        var random = new Random(131 + (int)kind);
        var (data, targets) = RandomRows(random, 50);
        var f = kind switch
        {
            Steady.FusedRows => RowLosses(data, targets, new Rows(new Layer(4), TanhUnit)),
            Steady.RecomputedRows => RowLosses(data, targets, new Rows(new Layer(4), TanhUnit, 0.5)),
            Steady.NestedRowsWithReadBack => RowLosses(data, targets, new Rows(new Layer(4), SinUnit, 0.5, ReadBack.Linear, Epochs: 2)),
            _ => new Mixture(3).Build(data, clearWithArrayClear: true),
        };
        var n = kind == Steady.Mixture ? new Mixture(3).Size : new Layer(4).End;
        var x = FiniteDifferences.RandomPoint(random, n, -1, 1);
        var gradient = AD.Differentiate(f);
        var g = new double[n];
        for (var k = 0; k < 3; k++) gradient(x, g);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var k = 0; k < 20; k++) gradient(x, g);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
