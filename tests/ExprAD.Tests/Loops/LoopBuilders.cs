using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;

namespace ExprAD.Tests.Loops;

/// <summary>How a counted loop advances its counter (each lowers to a different tree shape).</summary>
public enum StepStyle
{
    /// <summary><c>i += step</c> (AddAssign; SubtractAssign when counting down).</summary>
    CompoundAssign,

    /// <summary><c>i = i + step</c>.</summary>
    Assign,

    /// <summary><c>i = step + i</c> (the constant first).</summary>
    AssignConstantFirst,

    /// <summary><c>++i</c> / <c>--i</c> (only for steps of 1).</summary>
    PreIncrement,

    /// <summary><c>i++</c> / <c>i--</c> (only for steps of 1).</summary>
    PostIncrement,
}

/// <summary>Where a counted loop tests its condition.</summary>
public enum LoopShape
{
    /// <summary><c>loop { if (i &lt; end) { body; step; } else break; }</c></summary>
    Guarded,

    /// <summary><c>loop { if (!(i &lt; end)) break; body; step; }</c></summary>
    BreakFirst,
}

/// <summary>
/// Builders for hand-written <see cref="Expression.Loop(Expression, LabelTarget)"/> trees (there is no LINQ
/// lowering yet): for-loops over int counters in both directions, while loops, and short names for the
/// <see cref="Math"/> calls and the input array <see cref="X"/>.
/// </summary>
public static class LoopBuilders
{
    /// <summary>The input array of every function built here.</summary>
    public static readonly ParameterExpression X = Expression.Parameter(typeof(double[]), "x");

    public static Expression<Func<double[], double>> Lambda(Expression body) => Expression.Lambda<Func<double[], double>>(body, X);

    /// <summary><c>x[index]</c>.</summary>
    public static Expression Xi(Expression index) => Expression.ArrayIndex(X, index);

    /// <summary><c>x[index]</c> for a constant index.</summary>
    public static Expression Xi(int index) => Expression.ArrayIndex(X, Expression.Constant(index));

    /// <summary><c>x.Length</c>.</summary>
    public static Expression Length => Expression.ArrayLength(X);

    public static ConstantExpression C(double value) => Expression.Constant(value);

    public static ConstantExpression I(int value) => Expression.Constant(value);

    public static ParameterExpression Double(string name) => Expression.Variable(typeof(double), name);

    public static ParameterExpression Int(string name) => Expression.Variable(typeof(int), name);

    public static ParameterExpression Bool(string name) => Expression.Variable(typeof(bool), name);

    /// <summary>An int expression as a double.</summary>
    public static Expression ToDouble(Expression value) => Expression.Convert(value, typeof(double));

    public static Expression Add(Expression a, Expression b) => Expression.Add(a, b);

    public static Expression Sub(Expression a, Expression b) => Expression.Subtract(a, b);

    public static Expression Mul(Expression a, Expression b) => Expression.Multiply(a, b);

    public static Expression Div(Expression a, Expression b) => Expression.Divide(a, b);

    public static Expression Square(Expression a) => Expression.Multiply(a, a);

    public static Expression Sin(Expression a) => Math1(nameof(Math.Sin), a);

    public static Expression Cos(Expression a) => Math1(nameof(Math.Cos), a);

    public static Expression Tanh(Expression a) => Math1(nameof(Math.Tanh), a);

    public static Expression Exp(Expression a) => Math1(nameof(Math.Exp), a);

    public static Expression Log(Expression a) => Math1(nameof(Math.Log), a);

    public static Expression Sqrt(Expression a) => Math1(nameof(Math.Sqrt), a);

    public static Expression Abs(Expression a) => Math1(nameof(Math.Abs), a);

    public static Expression Max(Expression a, Expression b)
        => Expression.Call(typeof(Math).GetMethod(nameof(Math.Max), [typeof(double), typeof(double)])!, a, b);

    private static Expression Math1(string name, Expression a) => Expression.Call(typeof(Math).GetMethod(name, [typeof(double)])!, a);

    /// <summary>The body of <paramref name="capture"/>: a read of a variable captured by a C# lambda (a closure field).</summary>
    public static Expression Captured<T>(Expression<Func<T>> capture) => capture.Body;

    /// <summary>A block of statements with no variables, typed void.</summary>
    public static Expression Statements(params Expression[] statements)
        => statements.Length == 0 ? Expression.Empty() : Expression.Block(typeof(void), statements);

    /// <summary>
    /// <c>{ int i = start; loop: i &lt; end ? (body(i); i += step) : break; }</c>, with <paramref name="step"/> &gt; 0.
    /// The counter is declared in the returned block, so it is in scope only inside.
    /// </summary>
    public static Expression For(string name, Expression start, Expression end, Func<ParameterExpression, Expression> body,
        int step = 1, StepStyle style = StepStyle.PostIncrement, LoopShape shape = LoopShape.Guarded)
        => For(name, start, end, (i, _) => body(i), step, style, shape);

    /// <summary>As above, the body also receiving the loop's break label (for breaks of its own).</summary>
    public static Expression For(string name, Expression start, Expression end, Func<ParameterExpression, LabelTarget, Expression> body,
        int step = 1, StepStyle style = StepStyle.PostIncrement, LoopShape shape = LoopShape.Guarded)
    {
        if (step <= 0) throw new ArgumentOutOfRangeException(nameof(step), "For counts up; use ForDown to count down.");
        var i = Int(name);
        return Counted(i, start, Expression.LessThan(i, end), body, step, style, shape);
    }

    /// <summary><c>{ int i = start; while (i &gt;= last) { body(i); i -= step; } }</c>: counts down to <paramref name="last"/> inclusive.</summary>
    public static Expression ForDown(string name, Expression start, Expression last, Func<ParameterExpression, Expression> body,
        int step = 1, StepStyle style = StepStyle.PostIncrement, LoopShape shape = LoopShape.Guarded)
        => ForDown(name, start, last, (i, _) => body(i), step, style, shape);

    /// <summary>As above, the body also receiving the loop's break label.</summary>
    public static Expression ForDown(string name, Expression start, Expression last, Func<ParameterExpression, LabelTarget, Expression> body,
        int step = 1, StepStyle style = StepStyle.PostIncrement, LoopShape shape = LoopShape.Guarded)
    {
        if (step <= 0) throw new ArgumentOutOfRangeException(nameof(step), "The step is the (positive) amount subtracted each iteration.");
        var i = Int(name);
        return Counted(i, start, Expression.GreaterThanOrEqual(i, last), body, -step, style, shape);
    }

    private static Expression Counted(ParameterExpression i, Expression start, Expression condition,
        Func<ParameterExpression, LabelTarget, Expression> makeBody, int step, StepStyle style, LoopShape shape)
    {
        var breakLabel = Expression.Label("end_" + i.Name);
        var body = makeBody(i, breakLabel);
        var advance = Advance(i, step, style);
        var loopBody = shape switch
        {
            LoopShape.Guarded => Expression.IfThenElse(condition, Statements(body, advance), Expression.Break(breakLabel)),
            _ => Statements(Expression.IfThen(Expression.Not(condition), Expression.Break(breakLabel)), body, advance),
        };
        return Expression.Block(typeof(void), [i], Expression.Assign(i, start), Expression.Loop(loopBody, breakLabel));
    }

    /// <summary>The counter update <c>i += step</c> in the given style (steps may be negative).</summary>
    public static Expression Advance(ParameterExpression i, int step, StepStyle style)
    {
        var magnitude = Expression.Constant(Math.Abs(step));
        var signed = Expression.Constant(step);
        return style switch
        {
            StepStyle.CompoundAssign => step > 0 ? Expression.AddAssign(i, magnitude) : Expression.SubtractAssign(i, magnitude),
            StepStyle.Assign => Expression.Assign(i, step > 0 ? Expression.Add(i, magnitude) : Expression.Subtract(i, magnitude)),
            StepStyle.AssignConstantFirst => Expression.Assign(i, Expression.Add(signed, i)),
            StepStyle.PreIncrement when Math.Abs(step) == 1 => step > 0 ? Expression.PreIncrementAssign(i) : Expression.PreDecrementAssign(i),
            StepStyle.PostIncrement when Math.Abs(step) == 1 => step > 0 ? Expression.PostIncrementAssign(i) : Expression.PostDecrementAssign(i),
            _ => Expression.AddAssign(i, signed),
        };
    }

    /// <summary><c>i = -1; loop { i++; if (!(i &lt; n)) break; body }</c>: a loop whose continue (to <paramref name="next"/>) does not skip its advance.</summary>
    public static Expression AdvanceFirst(ParameterExpression i, Expression n, LabelTarget end, LabelTarget next, Expression body)
        => Expression.Block(typeof(void),
            Expression.Assign(i, I(-1)),
            Expression.Loop(Statements(Expression.PreIncrementAssign(i), Expression.IfThen(Expression.Not(Expression.LessThan(i, n)), Expression.Break(end)), body), end, next));

    /// <summary><c>loop { if (condition) body; else break; }</c>: the body is evaluated while the condition holds.</summary>
    public static Expression While(Expression condition, Expression body)
    {
        var breakLabel = Expression.Label("whileEnd");
        return Expression.Loop(Expression.IfThenElse(condition, body, Expression.Break(breakLabel)), breakLabel);
    }

    /// <summary><c>loop { body(breakLabel) }</c>: for loops that place their own breaks.</summary>
    public static Expression Loop(Func<LabelTarget, Expression> body)
    {
        var breakLabel = Expression.Label("loopEnd");
        return Expression.Loop(body(breakLabel), breakLabel);
    }

    /// <summary><c>if (condition) break;</c></summary>
    public static Expression BreakIf(Expression condition, LabelTarget breakLabel) => Expression.IfThen(condition, Expression.Break(breakLabel));
}

/// <summary>
/// The checks every loop function goes through: the gradient delegate's value is the bits of
/// <c>f.Compile()</c> (and of <see cref="AD.Compile"/>), it overwrites the whole gradient buffer, a second call
/// gives the same bits, and the gradient agrees with a central difference in a random direction and, when
/// given, with a gradient written by hand in plain C#.
/// </summary>
/// <remarks>
/// Finite differences: h = 1e-6 * max(1, |x|_inf) and |fd - &lt;g, v&gt;| &lt;= 1e-6 * (1 + |g|_2) for a unit
/// direction v. |g|_2 is the largest directional derivative, so this is a relative tolerance of 1e-6 on the
/// directional derivative's scale. It leaves room for the rounding noise of long sums: for extended Rosenbrock
/// with n = 10^4 near x = 1, f is about 4e4 and each evaluation carries an absolute error of at most a
/// few 1e-11, i.e. 1e-5 in the difference quotient, against a tolerance of about 1e-2; a dropped term or a wrong
/// factor changes &lt;g, v&gt; by O(|g|_2 / sqrt(n)) to O(|g|_2), and the hand-written gradient catches the rest
/// entry by entry at 1e-10.
/// </remarks>
public static class LoopCheck
{
    public const double FdTolerance = 1e-6;
    public const double HandTolerance = 1e-10;

    /// <summary>Runs all checks; returns the AD gradient.</summary>
    public static double[] Run(Expression<Func<double[], double>> f, double[] x, int seed, double[]? handGradient = null,
        double handTolerance = HandTolerance, bool perCoordinate = false, string? context = null)
        => Run(f, AD.Differentiate(f), x, seed, handGradient, handTolerance, perCoordinate, context);

    public static double[] Run(Expression<Func<double[], double>> f, GradientFunc gradient, double[] x, int seed, double[]? handGradient = null,
        double handTolerance = HandTolerance, bool perCoordinate = false, string? context = null)
    {
        var where = $"{context} (n = {x.Length}, seed {seed})";
        var plain = f.Compile();
        var reference = plain((double[])x.Clone());
        Assert.True(double.IsFinite(reference), $"test function is not finite at the test point: {reference} {where}");

        var (value, g) = Numeric.Evaluate(gradient, (double[])x.Clone());
        Numeric.AssertSameBits(reference, value, "gradient delegate's value vs f.Compile() " + where);
        Numeric.AssertSameBits(reference, AD.Compile(f)((double[])x.Clone()), "AD.Compile vs f.Compile() " + where);
        foreach (var gi in g) Assert.True(double.IsFinite(gi), $"non-finite gradient entry (or one left unwritten as {Numeric.Sentinel}) {where}");
        Assert.DoesNotContain(Numeric.Sentinel, g);

        var (again, g2) = Numeric.Evaluate(gradient, (double[])x.Clone());
        Numeric.AssertSameBits(value, again, "second call's value " + where);
        for (var i = 0; i < g.Length; i++) Numeric.AssertSameBits(g[i], g2[i], $"second call's gradient entry {i} {where}");

        if (x.Length > 0) AssertDirectional(plain, x, g, new Random(seed), where);
        if (perCoordinate)
        {
            var fd = FiniteDifferences.Gradient(plain, x);
            var scale = 1 + Norm(g);
            for (var i = 0; i < x.Length; i++)
                Assert.True(Math.Abs(fd[i] - g[i]) <= FdTolerance * scale,
                    $"partial {i}: AD {Numeric.R(g[i])}, finite differences {Numeric.R(fd[i])} {where}");
        }
        if (handGradient is not null) AssertClose(handGradient, g, handTolerance, "AD vs hand-written gradient " + where);
        return g;
    }

    /// <summary>|expected_i - actual_i| &lt;= relative * max(1, |expected_i|) for every i; the message is built only on failure.</summary>
    public static void AssertClose(double[] expected, double[] actual, double relative, string context)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            if (!(Math.Abs(expected[i] - actual[i]) <= relative * Math.Max(1, Math.Abs(expected[i]))))
                Assert.Fail($"entry {i}: expected {Numeric.R(expected[i])} +- {relative:E1} (relative), got {Numeric.R(actual[i])}; {context}");
        }
    }

    public static void AssertDirectional(Func<double[], double> f, double[] x, double[] g, Random rng, string where)
    {
        var v = FiniteDifferences.RandomUnitDirection(rng, x.Length);
        var h = FiniteDifferences.Step(x);
        var fd = FiniteDifferences.Directional(f, x, v, h);
        var ad = FiniteDifferences.Dot(g, v);
        var tolerance = FdTolerance * (1 + Norm(g));
        Assert.True(Math.Abs(fd - ad) <= tolerance,
            $"directional derivative: AD {Numeric.R(ad)}, finite differences {Numeric.R(fd)}, |diff| {Math.Abs(fd - ad):E3} > {tolerance:E3} {where}");
    }

    public static double Norm(double[] g) => Math.Sqrt(g.Sum(t => t * t));

    public static double[] RandomPoint(int seed, int n, double lo, double hi) => FiniteDifferences.RandomPoint(new Random(seed), n, lo, hi);

}

/// <summary>Captured data for the data-fitting losses: a row-major feature matrix and labels.</summary>
public sealed class DataSet
{
    public required double[,] A { get; init; }
    public required double[] Y { get; init; }

    public int Rows => A.GetLength(0);
    public int Features => A.GetLength(1);

    /// <summary>Standard-normal-ish features; labels +-1 (classification) or real targets.</summary>
    public static DataSet Random(int seed, int rows, int features, bool classification)
    {
        var rng = new Random(seed);
        var a = new double[rows, features];
        var y = new double[rows];
        for (var r = 0; r < rows; r++)
        {
            for (var k = 0; k < features; k++) a[r, k] = 2 * rng.NextDouble() - 1;
            y[r] = classification ? (rng.NextDouble() < 0.5 ? -1 : 1) : 2 * rng.NextDouble() - 1;
        }
        return new DataSet { A = a, Y = y };
    }
}
