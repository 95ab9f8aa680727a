using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;

namespace ExprAD.Tests.Vector;

/// <summary>AD.Jacobian: exact values, both modes (m &gt; n is forward, m &lt;= n is reverse), finite differences, argument checks.</summary>
public class JacobianTests
{
    // m = 3 > n = 2: forward mode.
    private static readonly Expression<Func<double[], double[]>> Tall = x => new[]
    {
        x[0] * x[1],
        Math.Sin(x[0]) + x[1] * x[1],
        Math.Exp(x[0] - x[1]),
    };

    // m = 2 < n = 3: reverse mode.
    private static readonly Expression<Func<double[], double[]>> Wide = x => new[]
    {
        x[0] * x[1] * x[2],
        Math.Log(x[0]) + Math.Sqrt(x[2]),
    };

    [Fact]
    public void TallJacobianIsExact()
    {
        double[] point = [0.7, -1.3];
        var (values, jacobian) = Evaluate(Tall, point, 3);
        AssertClose([0.7 * -1.3, Math.Sin(0.7) + 1.69, Math.Exp(2.0)], values, 1e-14);
        double[,] expected =
        {
            { -1.3, 0.7 },
            { Math.Cos(0.7), 2 * -1.3 },
            { Math.Exp(2.0), -Math.Exp(2.0) },
        };
        AssertClose(expected, jacobian, 1e-14);
    }

    [Fact]
    public void WideJacobianIsExact()
    {
        double[] point = [2.0, 3.0, 4.0];
        var (values, jacobian) = Evaluate(Wide, point, 2);
        AssertClose([24.0, Math.Log(2.0) + 2.0], values, 1e-14);
        double[,] expected =
        {
            { 12.0, 8.0, 6.0 },
            { 0.5, 0.0, 0.25 },
        };
        AssertClose(expected, jacobian, 1e-14);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(9)]
    public void SameFunctionGivesTheSameJacobianInBothModes(int n)
    {
        // The mode follows m versus n = x.Length: 4 outputs are forward mode for n = 1, reverse for n = 4 and 9.
        Expression<Func<double[], double[]>> f = x => new[]
        {
            Enumerable.Range(0, x.Length).Sum(i => x[i] * x[i]),
            Math.Tanh(x[0]) * x[x.Length - 1],
            Enumerable.Range(0, x.Length).Select(i => Math.Cos(x[i] * (i + 1))).Sum(),
            3.0,
        };
        var point = FiniteDifferences.RandomPoint(new Random(n), n, -1.5, 1.5);
        var (_, jacobian) = Evaluate(f, point, 4);
        var scalars = Enumerable.Range(0, 4).Select(i => AD.Differentiate(OutputOf(f, i))).ToArray();
        for (var i = 0; i < 4; i++)
        {
            var gradient = new double[n];
            scalars[i](point, gradient);
            for (var j = 0; j < n; j++) Assert.Equal(gradient[j], jacobian[i, j], 1e-13);
        }
    }

    [Theory]
    [InlineData(3, 7, 1)]
    [InlineData(7, 3, 2)]
    [InlineData(5, 5, 3)]
    public void DotProductTestAndFiniteDifferences(int m, int n, int seed)
    {
        // <J v, w> = <v, J^T w>, with J v compared against a central difference of F along v.
        var f = RandomVectorFunction(m, seed);
        var rng = new Random(seed);
        var point = FiniteDifferences.RandomPoint(rng, n, -1, 1);
        var (_, jacobian) = Evaluate(f, point, m);
        var v = FiniteDifferences.RandomUnitDirection(rng, n);
        var w = FiniteDifferences.RandomUnitDirection(rng, m);
        var jv = new double[m];
        var jtw = new double[n];
        for (var i = 0; i < m; i++)
            for (var j = 0; j < n; j++)
            {
                jv[i] += jacobian[i, j] * v[j];
                jtw[j] += jacobian[i, j] * w[i];
            }
        Assert.Equal(Dot(jv, w), Dot(v, jtw), 1e-12);

        var compiled = f.Compile();
        var h = FiniteDifferences.Step(point);
        var plus = compiled(FiniteDifferences.Offset(point, v, h));
        var minus = compiled(FiniteDifferences.Offset(point, v, -h));
        for (var i = 0; i < m; i++)
        {
            var fd = (plus[i] - minus[i]) / (2 * h);
            Assert.True(Math.Abs(fd - jv[i]) <= FiniteDifferences.Tolerance * (1 + Math.Abs(jv[i])), $"output {i}: fd {fd} vs AD {jv[i]}");
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(10, 10)]
    [InlineData(16, 16)]
    [InlineData(17, 9)]
    [InlineData(20, 10)]
    [InlineData(33, 11)]
    [InlineData(100, 15)]
    public void TallJacobiansCarryTheFewestEvenBlocksOfDirections(int n, int width)
        => Assert.Equal(width, ExprAD.Compilation.JacobianEvaluator.BlockWidth(n));

    /// <summary>
    /// Forward mode carries up to sixteen directions per pass: blocks of several directions, a last narrower block whose extra
    /// directions are zero, for both forms of vector function. Every row must be the gradient of its output (reverse mode).
    /// </summary>
    [Theory]
    [InlineData(3, 2)]
    [InlineData(12, 9)]
    [InlineData(12, 10)]
    [InlineData(20, 17)]
    [InlineData(40, 33)]
    public void ForwardBlocksGiveEveryColumn(int m, int n)
    {
        var f = RandomVectorFunction(m, seed: m + n);
        var point = FiniteDifferences.RandomPoint(new Random(n), n, -1, 1);
        var (values, jacobian) = Evaluate(f, point, m);
        Assert.Equal(f.Compile()(point), values);
        for (var i = 0; i < m; i++)
        {
            var gradient = new double[n];
            AD.Differentiate(OutputOf(f, i))(point, gradient);
            for (var j = 0; j < n; j++) Assert.Equal(gradient[j], jacobian[i, j], 1e-13);
        }

        // A curve fit's residuals filled by a loop: r[k] = y_k - (p0 + p1 exp(-p2 t_k) + sum_j p_j sin(j t_k)), for n >= 3.
        if (n < 3) return;
        var t = Enumerable.Range(0, m).Select(k => 0.1 * k).ToArray();
        var y = t.Select(Math.Cos).ToArray();
        Expression<Func<double[], int, double>> residual = (p, k) => y[k] - (p[0] + p[1] * Math.Exp(-p[2] * t[k])
            + Enumerable.Range(3, p.Length - 3).Sum(j => p[j] * Math.Sin(j * t[k])));
        var x = Expression.Parameter(typeof(double[]), "x");
        var r = Expression.Variable(typeof(double[]), "r");
        var fill = Expression.Lambda<Func<double[], double[]>>(Expression.Block([r],
            Expression.Assign(r, Expression.NewArrayBounds(typeof(double), Expression.Constant(m))),
            ExprAD.Tests.Loops.LoopBuilders.For("k", Expression.Constant(0), Expression.Constant(m),
                k => Expression.Assign(Expression.ArrayAccess(r, k), Expression.Invoke(residual, x, k))),
            r), x);
        var fitPoint = FiniteDifferences.RandomPoint(new Random(m), n, 0.2, 1);
        var fitValues = new double[m];
        var fitJacobian = new double[m, n];
        AD.Jacobian(fill)(fitPoint, fitValues, fitJacobian);
        Assert.Equal(fill.Compile()(fitPoint), fitValues);
        for (var k = 0; k < m; k++)
        {
            var row = k;
            var gradient = new double[n];
            AD.Differentiate(p => y[row] - (p[0] + p[1] * Math.Exp(-p[2] * t[row]) + Enumerable.Range(3, p.Length - 3).Sum(j => p[j] * Math.Sin(j * t[row]))))(fitPoint, gradient);
            for (var j = 0; j < n; j++) Assert.Equal(gradient[j], fitJacobian[k, j], 1e-13);
        }
    }

    /// <summary>
    /// A call whose function throws leaves no trace in the per-thread buffers (directions, block, tape): the next call on the
    /// thread is exact. (The throw comes in the first block, whose unit directions the next call sets again; the evaluator
    /// also clears the directions before each call.)
    /// </summary>
    [Fact]
    public void AJacobianCallAfterOneThatThrewIsExact()
    {
        // x[(int)x[2]] is out of range when x[2] >= 3; m = 4 > n = 3: forward blocks.
        Expression<Func<double[], double[]>> f = x => new[] { x[0] * x[1], x[(int)x[2]] * x[0], Math.Sin(x[1] + x[2]), x[2] * x[2] };
        var jacobianOf = AD.Jacobian(f);
        var (values, jacobian) = (new double[4], new double[4, 3]);
        Assert.Throws<IndexOutOfRangeException>(() => jacobianOf([1.0, 2.0, 5.0], values, jacobian));
        double[] point = [1.5, -0.5, 1.25];
        jacobianOf(point, values, jacobian);
        double[,] expected =
        {
            { -0.5, 1.5, 0 },
            { -0.5, 1.5, 0 },
            { 0, Math.Cos(0.75), Math.Cos(0.75) },
            { 0, 0, 2.5 },
        };
        AssertClose(expected, jacobian, 1e-15);
    }

    /// <summary>With no inputs the Jacobian has no columns, and one forward pass still writes the values.</summary>
    [Fact]
    public void AFunctionOfNoInputsWritesItsValues()
    {
        Expression<Func<double[], double[]>> f = x => new[] { x.Length + 1.0, Math.Sin(2.0) };
        var values = new double[] { -1, -1 };
        AD.Jacobian(f)([], values, new double[2, 0]);
        Assert.Equal([1.0, Math.Sin(2.0)], values);
    }

    [Fact]
    public void ASteadyStateTallJacobianAllocatesNothing()
    {
        var f = RandomVectorFunction(12, seed: 4);
        var jacobianOf = AD.Jacobian(f);
        var point = FiniteDifferences.RandomPoint(new Random(4), 10, -1, 1);
        var (values, jacobian) = (new double[12], new double[12, 10]);
        jacobianOf(point, values, jacobian);
        jacobianOf(point, values, jacobian);
        var before = GC.GetAllocatedBytesForCurrentThread();
        jacobianOf(point, values, jacobian);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void BlockBodiesShareValuesAcrossOutputs()
    {
        var r = Expression.Variable(typeof(double), "r");
        var x = Expression.Parameter(typeof(double[]), "x");
        Expression X(int i) => Expression.ArrayIndex(x, Expression.Constant(i));
        var body = Expression.Block([r],
            Expression.Assign(r, Expression.Call(typeof(Math).GetMethod(nameof(Math.Sqrt))!, Expression.Add(Expression.Multiply(X(0), X(0)), Expression.Multiply(X(1), X(1))))),
            Expression.NewArrayInit(typeof(double), r, Expression.Divide(X(0), r), Expression.Divide(X(1), r)));
        var f = Expression.Lambda<Func<double[], double[]>>(body, x);
        var (values, jacobian) = Evaluate(f, [3.0, 4.0], 3);
        AssertClose([5.0, 0.6, 0.8], values, 1e-15);
        double[,] expected =
        {
            { 0.6, 0.8 },
            { 16.0 / 125, -12.0 / 125 },
            { -12.0 / 125, 9.0 / 125 },
        };
        AssertClose(expected, jacobian, 1e-15);
    }

    [Theory]
    [InlineData(2, 5)]
    [InlineData(6, 3)]
    [InlineData(4, 4)]
    public void FunctionsThatFillAnArrayInALoopHaveTheJacobianOfTheSameFunctionWrittenOut(int m, int n)
    {
        // r = new double[m]; for k < m: r[k] = sin((k + 1) x[k % n]) * x[(k + 1) % n]; then r[0] += r[m - 1]^2; return r.
        var x = Expression.Parameter(typeof(double[]), "x");
        var r = Expression.Variable(typeof(double[]), "r");
        var k = Expression.Variable(typeof(int), "k");
        var end = Expression.Label("end");
        Expression X(Expression i) => Expression.ArrayIndex(x, i);
        Expression R(Expression i) => Expression.ArrayAccess(r, i);
        var nExpr = Expression.ArrayLength(x);
        var body = Expression.Block([r, k],
            Expression.Assign(r, Expression.NewArrayBounds(typeof(double), Expression.Constant(m))),
            Expression.Assign(k, Expression.Constant(0)),
            Expression.Loop(Expression.Block(
                Expression.IfThen(Expression.Not(Expression.LessThan(k, Expression.Constant(m))), Expression.Break(end)),
                Expression.Assign(R(k), Expression.Multiply(
                    Expression.Call(typeof(Math).GetMethod(nameof(Math.Sin))!, Expression.Multiply(Expression.Convert(Expression.Add(k, Expression.Constant(1)), typeof(double)), X(Expression.Modulo(k, nExpr)))),
                    X(Expression.Modulo(Expression.Add(k, Expression.Constant(1)), nExpr)))),
                Expression.PostIncrementAssign(k)), end),
            Expression.AddAssign(R(Expression.Constant(0)), Expression.Multiply(R(Expression.Constant(m - 1)), R(Expression.Constant(m - 1)))),
            r);
        var f = Expression.Lambda<Func<double[], double[]>>(body, x);
        var point = FiniteDifferences.RandomPoint(new Random(m * 10 + n), n, -1, 1);
        var values = new double[m];
        var jacobian = new double[m, n];
        AD.Jacobian(f)(point, values, jacobian);

        // The same outputs as an array initializer, differentiated by the other path.
        Expression<Func<double[], double>> Output(int i) => y => Math.Sin((i + 1) * y[i % y.Length]) * y[(i + 1) % y.Length];
        var outputs = Enumerable.Range(0, m).Select(i => (Expression)Expression.Invoke(Output(i), x)).ToArray();
        var last = outputs[m - 1];
        outputs[0] = Expression.Add(outputs[0], Expression.Multiply(last, last));
        var written = Expression.Lambda<Func<double[], double[]>>(Expression.NewArrayInit(typeof(double), outputs), x);
        var (expectedValues, expected) = Evaluate(written, point, m);
        AssertClose(expectedValues, values, 1e-15);
        AssertClose(expected, jacobian, 1e-13);
        Assert.Equal(expectedValues, f.Compile()(point));
    }

    /// <summary>Vector functions written with LINQ's ToArray, the natural form in an expression lambda; they were refused.</summary>
    public static TheoryData<string> LinqVectorFunctions => new() { "squares", "differences", "residuals over data", "zip with data" };

    private static readonly double[] Times = [0.0, 0.5, 1.0, 1.5, 2.0];
    private static readonly double[] Observed = [2.0, 1.6, 1.2, 1.0, 0.7];

    [Theory]
    [MemberData(nameof(LinqVectorFunctions))]
    public void ToArrayOfASelectOrZipHasTheJacobianOfTheSameFunctionWrittenOut(string name)
    {
        (Expression<Func<double[], double[]>> linq, Func<double[], double[,]> exact, int n) = name switch
        {
            "squares" => ((Expression<Func<double[], double[]>>)(x => x.Select(v => v * v).ToArray()),
                (Func<double[], double[,]>)(x => Diagonal(x.Select(v => 2 * v).ToArray())), 4),
            "differences" => (x => Enumerable.Range(0, x.Length - 1).Select(i => x[i + 1] - x[i] * x[i]).ToArray(),
                x =>
                {
                    var j = new double[x.Length - 1, x.Length];
                    for (var i = 0; i < x.Length - 1; i++) (j[i, i], j[i, i + 1]) = (-2 * x[i], 1);
                    return j;
                }, 5),
            "residuals over data" => (p => Times.Select((t, i) => p[0] * Math.Exp(-p[1] * t) - Observed[i]).ToArray(),
                p =>
                {
                    var j = new double[Times.Length, 2];
                    for (var i = 0; i < Times.Length; i++) (j[i, 0], j[i, 1]) = (Math.Exp(-p[1] * Times[i]), -p[0] * Times[i] * Math.Exp(-p[1] * Times[i]));
                    return j;
                }, 2),
            _ => (x => x.Zip(Observed, (a, b) => a * b + Math.Sin(a)).ToArray(),
                x => Diagonal(x.Select((v, i) => Observed[i] + Math.Cos(v)).ToArray()), 3),
        };
        var point = FiniteDifferences.RandomPoint(new Random(name.Length), n, -1, 1);
        var expectedValues = linq.Compile()(point);
        var values = new double[expectedValues.Length];
        var jacobian = new double[expectedValues.Length, n];
        AD.Jacobian(linq)(point, values, jacobian);
        Assert.Equal(expectedValues, values);
        AssertClose(exact(point), jacobian, 1e-15);
    }

    private static double[,] Diagonal(double[] d)
    {
        var m = new double[d.Length, d.Length];
        for (var i = 0; i < d.Length; i++) m[i, i] = d[i];
        return m;
    }

    [Fact]
    public void AFilledArrayMustMatchTheValuesLength()
    {
        var x = Expression.Parameter(typeof(double[]), "x");
        var r = Expression.Variable(typeof(double[]), "r");
        var f = Expression.Lambda<Func<double[], double[]>>(Expression.Block([r],
            Expression.Assign(r, Expression.NewArrayBounds(typeof(double), Expression.Constant(3))),
            Expression.Assign(Expression.ArrayAccess(r, Expression.Constant(1)), Expression.ArrayIndex(x, Expression.Constant(0))),
            r), x);
        var jacobian = AD.Jacobian(f);
        var error = Assert.Throws<ArgumentException>(() => jacobian([1.0, 2.0], new double[2], new double[2, 2]));
        Assert.Contains("(2)", error.Message);
        Assert.Contains("(3)", error.Message);
        var values = new double[3];
        var result = new double[3, 2];
        jacobian([5.0, 2.0], values, result);
        AssertClose([0.0, 5.0, 0.0], values, 0);
        AssertClose(new double[,] { { 0, 0 }, { 1, 0 }, { 0, 0 } }, result, 0);
    }

    [Fact]
    public void OneOutputIsTheGradient()
    {
        var (values, jacobian) = Evaluate(x => new[] { x[0] * x[0] + 3 * x[1] }, [2.0, 5.0], 1);
        Assert.Equal(19.0, values[0]);
        AssertClose(new double[,] { { 4.0, 3.0 } }, jacobian, 0);
    }

    [Fact]
    public void ChecksArgumentsAndShapes()
    {
        var jacobian = AD.Jacobian(Wide);
        Assert.Equal("x", Assert.Throws<ArgumentNullException>(() => jacobian(null!, new double[2], new double[2, 3])).ParamName);
        Assert.Equal("values", Assert.Throws<ArgumentNullException>(() => jacobian([1, 2, 3], null!, new double[2, 3])).ParamName);
        Assert.Equal("jacobian", Assert.Throws<ArgumentNullException>(() => jacobian([1, 2, 3], new double[2], null!)).ParamName);
        var values = Assert.Throws<ArgumentException>(() => jacobian([1, 2, 3], new double[3], new double[2, 3]));
        Assert.Contains("(3)", values.Message);
        Assert.Contains("(2)", values.Message);
        var shape = Assert.Throws<ArgumentException>(() => jacobian([1, 2, 3], new double[2], new double[2, 2]));
        Assert.Contains("2-by-2", shape.Message);
        Assert.Contains("2-by-3", shape.Message);
        Assert.Throws<ArgumentNullException>(() => AD.Jacobian(null!));
    }

    [Fact]
    public void RefusesBodiesThatAreNotArrayInitializersAtJacobianTime()
    {
        var data = new double[3];
        var notInitializer = Assert.Throws<NotSupportedException>(() => AD.Jacobian(x => data));
        Assert.Contains("new[] {", notInitializer.Message);
        Assert.Contains("new double[m]", notInitializer.Message);
        var noRule = Assert.Throws<NotSupportedException>(() => AD.Jacobian(x => new[] { x[0], Unknown(x[1]) }));
        Assert.Contains(nameof(Unknown), noRule.Message);
    }

    [Fact]
    public void CallsFromManyThreadsAgree()
    {
        var jacobian = AD.Jacobian(Tall);
        var (expectedValues, expected) = Evaluate(Tall, [0.3, 0.9], 3);
        Parallel.For(0, 64, _ =>
        {
            var values = new double[3];
            var result = new double[3, 2];
            for (var k = 0; k < 200; k++) jacobian([0.3, 0.9], values, result);
            Assert.Equal(expectedValues, values);
            AssertClose(expected, result, 0);
        });
    }

    private static double Unknown(double t) => t;

    internal static (double[] Values, double[,] Jacobian) Evaluate(Expression<Func<double[], double[]>> f, double[] point, int m)
    {
        var values = new double[m];
        var jacobian = new double[m, point.Length];
        AD.Jacobian(f)(point, values, jacobian);
        return (values, jacobian);
    }

    internal static void AssertClose(double[,] expected, double[,] actual, double tolerance)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        for (var i = 0; i < expected.GetLength(0); i++)
            for (var j = 0; j < expected.GetLength(1); j++)
                Assert.True(Math.Abs(expected[i, j] - actual[i, j]) <= tolerance * (1 + Math.Abs(expected[i, j])),
                    $"[{i},{j}]: expected {expected[i, j]}, got {actual[i, j]}");
    }

    internal static void AssertClose(double[] expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])), $"[{i}]: expected {expected[i]}, got {actual[i]}");
    }

    private static Expression<Func<double[], double>> OutputOf(Expression<Func<double[], double[]>> f, int i)
        => Expression.Lambda<Func<double[], double>>(((NewArrayExpression)f.Body).Expressions[i], f.Parameters);

    private static double Dot(double[] a, double[] b) => a.Zip(b, (p, q) => p * q).Sum();

    /// <summary>Outputs mixing all inputs through loops and math functions, different per seed.</summary>
    private static Expression<Func<double[], double[]>> RandomVectorFunction(int m, int seed)
    {
        var x = Expression.Parameter(typeof(double[]), "x");
        var rng = new Random(seed);
        var outputs = new List<Expression>();
        for (var i = 0; i < m; i++)
        {
            var a = rng.NextDouble() + 0.5;
            var k = i;
            Expression<Func<double[], double>> output = (i % 3) switch
            {
                0 => y => Enumerable.Range(0, y.Length).Sum(j => Math.Sin(a * y[j] + k)),
                1 => y => Math.Exp(0.3 * y[k % y.Length]) * y[(k + 1) % y.Length] - a,
                _ => y => Enumerable.Range(0, y.Length).Sum(j => y[j] * y[(j + k) % y.Length]) / (1 + a),
            };
            outputs.Add(Expression.Invoke(output, x));
        }
        return Expression.Lambda<Func<double[], double[]>>(Expression.NewArrayInit(typeof(double), outputs), x);
    }
}
