using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;
using ExprAD.Tests.Vector;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary>
/// Scratch arrays: a local array that a loop fills at the start of every iteration and reads only after that,
/// like the hidden layer of a network evaluated row by row. Its old contents never matter, so the reverse
/// sweep refills it when it recomputes an iteration, and a loss over the rows stays a fused reduction.
/// </summary>
public class ScratchArrayTests
{
    private const int Inputs = 3;

    private static Expression At(Expression array, Expression index) => Expression.ArrayAccess(array, index);

    /// <summary>
    /// loss = sum_r (sum_j v_j tanh(sum_i W_ji data_ri + b_j) - t_r)^2 with W = x[0, H*D), v = x[H*D, H*D+H),
    /// b = x[H*D+H, ...): the hidden layer h is one array, refilled for every row.
    /// </summary>
    private static Expression<Func<double[], double>> RowByRowNetwork(double[,] data, double[] targets, int hidden)
    {
        var h = Expression.Variable(typeof(double[]), "h");
        var loss = Double("loss");
        var s = Double("s");
        var y = Double("y");
        int rows = data.GetLength(0), vOffset = hidden * Inputs, bOffset = vOffset + hidden;
        return Lambda(Expression.Block([h, loss],
            Expression.Assign(h, Expression.NewArrayBounds(typeof(double), I(hidden))),
            Expression.Assign(loss, C(0)),
            For("r", I(0), I(rows), r => Expression.Block([y],
                For("j", I(0), I(hidden), j => Expression.Block([s],
                    Expression.Assign(s, Xi(Add(I(bOffset), j))),
                    For("i", I(0), I(Inputs), i => Expression.AddAssign(s,
                        Mul(Xi(Add(Mul(j, I(Inputs)), i)), Expression.ArrayAccess(Captured(() => data), r, i)))),
                    Expression.Assign(At(h, j), Tanh(s)))),
                Expression.Assign(y, C(0)),
                For("j", I(0), I(hidden), j => Expression.AddAssign(y, Mul(Xi(Add(I(vOffset), j)), At(h, j)))),
                Expression.AddAssign(loss, Square(Sub(y, Expression.ArrayIndex(Captured(() => targets), r)))))),
            loss));
    }

    private static double[] HandGradient(double[,] data, double[] targets, int hidden, double[] x)
    {
        int rows = data.GetLength(0), vOffset = hidden * Inputs, bOffset = vOffset + hidden;
        var g = new double[x.Length];
        var h = new double[hidden];
        for (var r = 0; r < rows; r++)
        {
            double y = 0;
            for (var j = 0; j < hidden; j++)
            {
                var s = x[bOffset + j];
                for (var i = 0; i < Inputs; i++) s += x[j * Inputs + i] * data[r, i];
                h[j] = Math.Tanh(s);
                y += x[vOffset + j] * h[j];
            }
            var e = 2 * (y - targets[r]);
            for (var j = 0; j < hidden; j++)
            {
                g[vOffset + j] += e * h[j];
                var ds = e * x[vOffset + j] * (1 - h[j] * h[j]);
                g[bOffset + j] += ds;
                for (var i = 0; i < Inputs; i++) g[j * Inputs + i] += ds * data[r, i];
            }
        }
        return g;
    }

    [Theory]
    [InlineData(1, 4, 11)]
    [InlineData(5, 3, 12)]
    [InlineData(40, 6, 13)]
    public void ANetworkEvaluatedRowByRowThroughOneHiddenArrayHasExactGradients(int rows, int hidden, int seed)
    {
        var random = new Random(seed);
        var data = new double[rows, Inputs];
        for (var r = 0; r < rows; r++) for (var i = 0; i < Inputs; i++) data[r, i] = random.NextDouble() * 2 - 1;
        var targets = Enumerable.Range(0, rows).Select(_ => random.NextDouble()).ToArray();
        var f = RowByRowNetwork(data, targets, hidden);
        var x = FiniteDifferences.RandomPoint(random, hidden * Inputs + 2 * hidden, -1, 1);
        var g = LoopCheck.Run(f, x, seed, HandGradient(data, targets, hidden, x), perCoordinate: true);
        var directional = AD.DirectionalDerivative(f);
        var v = FiniteDifferences.RandomUnitDirection(random, x.Length);
        Assert.Equal(g.Zip(v, (a, b) => a * b).Sum(), directional(x, v), 1e-12);
        HessianTests.AssertMatchesGradientDifferences(f, x);
    }

    /// <summary>
    /// GMM's shape: per row, y = data_r - w and z = exp(l) .* y fill two scratch arrays, a triangular loop adds
    /// z[j] += l[(c + j) % n] y[c] column by column, and the row's loss is log(1 + ||z||^2).
    /// </summary>
    private static Expression<Func<double[], double>> TriangularRows(double[,] data)
    {
        int rows = data.GetLength(0), n = data.GetLength(1);
        var y = Expression.Variable(typeof(double[]), "y");
        var z = Expression.Variable(typeof(double[]), "z");
        var loss = Double("loss");
        var t = Double("t");
        var yc = Double("yc");
        var norm = Double("norm");
        return Lambda(Expression.Block([y, z, loss],
            Expression.Assign(y, Expression.NewArrayBounds(typeof(double), I(n))),
            Expression.Assign(z, Expression.NewArrayBounds(typeof(double), I(n))),
            Expression.Assign(loss, C(0)),
            For("r", I(0), I(rows), r => Expression.Block([norm],
                For("j", I(0), I(n), j => Expression.Block([t],
                    Expression.Assign(t, Sub(Expression.ArrayAccess(Captured(() => data), r, j), Xi(j))),
                    Expression.Assign(At(y, j), t),
                    Expression.Assign(At(z, j), Mul(Exp(Xi(Add(I(n), j))), t)))),
                For("c", I(0), I(n - 1), c => Expression.Block([yc],
                    Expression.Assign(yc, At(y, c)),
                    For("j", Add(c, I(1)), I(n), j => Expression.AddAssign(At(z, j),
                        Mul(Xi(Add(I(n), Expression.Modulo(Add(c, j), I(n)))), yc))))),
                Expression.Assign(norm, C(0)),
                For("j", I(0), I(n), j => Expression.AddAssign(norm, Square(At(z, j)))),
                Expression.AddAssign(loss, Log(Add(C(1), norm))))),
            loss));
    }

    [Theory]
    [InlineData(1, 2, 21)]
    [InlineData(7, 5, 22)]
    public void ScratchArraysFilledAndThenAccumulatedColumnByColumnHaveExactGradients(int rows, int n, int seed)
    {
        var random = new Random(seed);
        var data = new double[rows, n];
        for (var r = 0; r < rows; r++) for (var j = 0; j < n; j++) data[r, j] = random.NextDouble() * 2 - 1;
        var f = TriangularRows(data);
        var x = FiniteDifferences.RandomPoint(random, 2 * n, -0.5, 0.5);
        var g = LoopCheck.Run(f, x, seed, perCoordinate: true);
        var v = FiniteDifferences.RandomUnitDirection(random, x.Length);
        Assert.Equal(g.Zip(v, (a, b) => a * b).Sum(), AD.DirectionalDerivative(f)(x, v), 1e-12);
        HessianTests.AssertMatchesGradientDifferences(f, x);
    }

    [Fact]
    public void RecomputedLoopsThatOnlyCountTheirTripsAreNotEmitted()
    {
        // The column loop writes z, so its reverse is recorded and recomputes each column; the copy of the inner
        // loop there has only ghost stores left and would just count its trips: the count is written in closed
        // form instead, so no emitted loop is without a double-valued computation.
        var data = new double[3, 4];
        var gradient = AD.GradientExpression(TriangularRows(data));
        Assert.Equal(0, CountingOnlyLoops.In(gradient));
        Assert.Contains("> 0 ?", AD.ToCSharp(gradient));
    }

    [Fact]
    public void TheReverseOfAnArrayAccumulationDoesNotZeroAnAdjointItThenRestores()
    {
        // z[j] += l y[c] reverses to "c = zbar[j]; zbar[j] = 0; ...; zbar[j] += c" (the store, then the load it
        // added to): the pair cancels and is not emitted. The fill's reset (z[j] = v) stays.
        var printed = AD.ToCSharp(AD.GradientExpression(TriangularRows(new double[3, 4])));
        var lines = printed.Split('\n').Select(line => line.Trim()).ToArray();
        for (var i = 0; i < lines.Length; i++)
        {
            var reset = System.Text.RegularExpressions.Regex.Match(lines[i], @"^(\w+\[\w+\]) = 0\.0;$");
            if (!reset.Success) continue;
            var restored = lines.Skip(i + 1).Take(4).Any(line => line.StartsWith(reset.Groups[1].Value + " += ", StringComparison.Ordinal));
            Assert.False(restored, $"line {i}: {lines[i]} is followed by an addition to the same element:\n{printed}");
        }
        Assert.Contains(lines, line => System.Text.RegularExpressions.Regex.IsMatch(line, @"^\w+\[\w+\] = 0\.0;$"));
    }

    /// <summary>
    /// Rows, then components inside each row (GMM's nesting): per component, y[j] = sin(x[k n + j] d_rj) fills a scratch
    /// array, and the component's term is a_k = (sum_j y[j] * y[j]) x[K n + k]; the loss sums log(prod_k (1 + a_k)) over the
    /// rows. The product makes the component loop a recurrence, reversed iteration by iteration (not fused).
    /// </summary>
    private static Expression<Func<double[], double>> ComponentsPerRow(double[,] data, int components)
    {
        int rows = data.GetLength(0), n = data.GetLength(1);
        var y = Expression.Variable(typeof(double[]), "y");
        var loss = Double("loss");
        var norm = Double("norm");
        var product = Double("product");
        return Lambda(Expression.Block([y, loss],
            Expression.Assign(y, Expression.NewArrayBounds(typeof(double), I(n))),
            Expression.Assign(loss, C(0)),
            For("r", I(0), I(rows), r => Expression.Block([product],
                Expression.Assign(product, C(1)),
                For("k", I(0), I(components), k => Expression.Block([norm],
                    For("j", I(0), I(n), j => Expression.Assign(At(y, j),
                        Sin(Mul(Xi(Add(Mul(k, I(n)), j)), Expression.ArrayAccess(Captured(() => data), r, j))))),
                    Expression.Assign(norm, C(0)),
                    For("j", I(0), I(n), j => Expression.AddAssign(norm, Mul(At(y, j), At(y, j)))),
                    Expression.MultiplyAssign(product, Add(C(1), Mul(norm, Xi(Add(I(components * n), k))))))),
                Expression.AddAssign(loss, Log(product)))),
            loss));
    }

    [Theory]
    [InlineData(1, 1, 31)]
    [InlineData(4, 3, 32)]
    public void AnArrayFilledPerComponentInsideARowIsRestoredFromTheTapeNotRecomputed(int rows, int components, int seed)
    {
        const int n = 3;
        var random = new Random(seed);
        var data = new double[rows, n];
        for (var r = 0; r < rows; r++) for (var j = 0; j < n; j++) data[r, j] = random.NextDouble() * 2 - 1;
        var f = ComponentsPerRow(data, components);
        var x = FiniteDifferences.RandomPoint(random, components * n + components, 0.1, 1);

        // The component loop's reverse pops y back (a snapshot pushed after each component) instead of running the fill
        // again: sin is called as often in the gradient as in f (its derivative needs cos, not sin).
        var printed = AD.ToCSharp(AD.GradientExpression(f));
        Assert.Equal(LoopCodeShapeTests.Occurrences(AD.ToCSharp(f), "Math.Sin("), LoopCodeShapeTests.Occurrences(printed, "Math.Sin("));

        var hand = new double[x.Length];
        for (var r = 0; r < rows; r++)
            for (var k = 0; k < components; k++)
            {
                var values = Enumerable.Range(0, n).Select(j => Math.Sin(x[k * n + j] * data[r, j])).ToArray();
                var norm = values.Sum(v => v * v);
                var weight = x[components * n + k];
                var scale = 1 / (1 + norm * weight);
                hand[components * n + k] += scale * norm;
                for (var j = 0; j < n; j++)
                    hand[k * n + j] += scale * weight * 2 * values[j] * Math.Cos(x[k * n + j] * data[r, j]) * data[r, j];
            }
        LoopCheck.Run(f, x, seed, hand, perCoordinate: true);
        var v = FiniteDifferences.RandomUnitDirection(random, x.Length);
        Assert.Equal(hand.Zip(v, (a, b) => a * b).Sum(), AD.DirectionalDerivative(f)(x, v), 1e-12);
        HessianTests.AssertMatchesGradientDifferences(f, x);
    }

    [Fact]
    public void TwoReadsOfOneElementWithNothingWrittenBetweenAreOneRead()
    {
        // y[j] * y[j] reads y[j] once, so its reverse adds into the adjoint of y[j] once.
        var printed = AD.ToCSharp(AD.GradientExpression(ComponentsPerRow(new double[2, 3], 2)));
        Assert.DoesNotMatch(new System.Text.RegularExpressions.Regex(@"(\w+) = (\w+\[\w+\]);\s*\n\s*(\w+) = \2;"), printed);
        Assert.Matches(new System.Text.RegularExpressions.Regex(@"(\w+) \* \1"), printed);
    }

    /// <summary>Counts the loops of a tree in which nothing has type double.</summary>
    private sealed class CountingOnlyLoops : ExpressionVisitor
    {
        private int _count;
        private bool _sawDouble;

        public static int In(Expression tree)
        {
            var visitor = new CountingOnlyLoops();
            visitor.Visit(tree);
            return visitor._count;
        }

        public override Expression? Visit(Expression? node)
        {
            if (node?.Type == typeof(double)) _sawDouble = true;
            return base.Visit(node);
        }

        protected override Expression VisitLoop(LoopExpression node)
        {
            var outer = _sawDouble;
            _sawDouble = false;
            Visit(node.Body);
            if (!_sawDouble) _count++;
            _sawDouble |= outer;
            return node;
        }
    }
}
