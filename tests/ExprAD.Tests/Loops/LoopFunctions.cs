using System.Linq.Expressions;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary>
/// The loop test functions as hand-built expression trees, each with its value and gradient written in plain C#.
/// </summary>
public static class LoopFunctions
{
    // --- extended Rosenbrock ---------------------------------------------------------------------------------

    /// <summary>
    /// <c>s = 0; for (i = 0; i &lt; n - 1; i++) { t = x[i+1] - x[i]*x[i]; u = 1 - x[i]; s += 100*t*t + u*u; } return s;</c>
    /// with t and u local to the iteration.
    /// </summary>
    public static Expression<Func<double[], double>> Rosenbrock(Expression n, StepStyle style = StepStyle.PostIncrement, LoopShape shape = LoopShape.Guarded)
    {
        var s = Double("s");
        var t = Double("t");
        var u = Double("u");
        var loop = For("i", I(0), Sub(n, I(1)), i => Expression.Block(typeof(void), [t, u],
            Expression.Assign(t, Sub(Xi(Add(i, I(1))), Square(Xi(i)))),
            Expression.Assign(u, Sub(C(1), Xi(i))),
            Expression.AddAssign(s, Add(Mul(C(100), Square(t)), Square(u)))), style: style, shape: shape);
        return Lambda(Expression.Block([s], Expression.Assign(s, C(0)), loop, s));
    }

    public static double RosenbrockValue(double[] x)
    {
        double s = 0;
        for (var i = 0; i < x.Length - 1; i++)
        {
            var t = x[i + 1] - x[i] * x[i];
            var u = 1 - x[i];
            s += 100 * (t * t) + u * u;
        }
        return s;
    }

    public static double[] RosenbrockGradient(double[] x)
    {
        var g = new double[x.Length];
        for (var i = 0; i < x.Length - 1; i++)
        {
            var t = x[i + 1] - x[i] * x[i];
            g[i] += -400 * x[i] * t - 2 * (1 - x[i]);
            g[i + 1] += 200 * t;
        }
        return g;
    }

    // --- logistic regression --------------------------------------------------------------------------------

    /// <summary>How the captured data is reached from the tree.</summary>
    public enum Capture
    {
        /// <summary>The arrays as constants; A[i, k] as an IndexExpression (Expression.ArrayAccess).</summary>
        ConstantArrayAccess,

        /// <summary>The arrays as fields of a C# closure; A[i, k] as a call of double[,].Get (Expression.ArrayIndex).</summary>
        ClosureArrayIndex,
    }

    /// <summary>
    /// <c>s = 0; for (i = 0; i &lt; y.Length; i++) { z = 0; for (k = 0; k &lt; A.GetLength(1); k++) z += A[i,k]*x[k];
    /// s += log(1 + exp(-y[i]*z)); } return s;</c>. With <paramref name="zLocalToIteration"/> z is declared in the
    /// outer body; otherwise next to s, so that it is a value the outer loop carries.
    /// </summary>
    public static Expression<Func<double[], double>> Logistic(DataSet data, Capture capture, bool zLocalToIteration)
    {
        var a = capture == Capture.ConstantArrayAccess ? Expression.Constant(data.A) : Captured(() => data.A);
        var y = capture == Capture.ConstantArrayAccess ? Expression.Constant(data.Y) : Captured(() => data.Y);
        Expression Aik(Expression i, Expression k) => capture == Capture.ConstantArrayAccess
            ? Expression.ArrayAccess(a, i, k)
            : Expression.ArrayIndex(a, i, k);

        var s = Double("s");
        var z = Double("z");
        var features = Expression.Call(a, typeof(Array).GetMethod(nameof(Array.GetLength))!, I(1));
        Expression RowBody(ParameterExpression i)
        {
            Expression[] statements =
            [
                Expression.Assign(z, C(0)),
                For("k", I(0), features, k => Expression.AddAssign(z, Mul(Aik(i, k), Xi(k))), style: StepStyle.PreIncrement),
                Expression.AddAssign(s, Log(Add(C(1), Exp(Mul(Expression.Negate(Expression.ArrayIndex(y, i)), z))))),
            ];
            return zLocalToIteration ? Expression.Block(typeof(void), [z], statements) : Statements(statements);
        }
        var rows = For("i", I(0), Expression.ArrayLength(y), RowBody);
        ParameterExpression[] outerVariables = zLocalToIteration ? [s] : [s, z];
        return Lambda(Expression.Block(outerVariables, Expression.Assign(s, C(0)), rows, s));
    }

    public static double[] LogisticGradient(DataSet data, double[] w)
    {
        var g = new double[w.Length];
        for (var i = 0; i < data.Rows; i++)
        {
            double z = 0;
            for (var k = 0; k < data.Features; k++) z += data.A[i, k] * w[k];
            // d/dz log(1 + exp(-y z)) = -y / (1 + exp(y z))
            var dz = -data.Y[i] / (1 + Math.Exp(data.Y[i] * z));
            for (var k = 0; k < data.Features; k++) g[k] += dz * data.A[i, k];
        }
        return g;
    }

    // --- two-layer tanh MLP ---------------------------------------------------------------------------------

    /// <summary>
    /// loss = sum_r (sum_j v_j tanh(sum_k W_jk a_rk + b_j) - y_r)^2 with x = [W (hidden x features, row-major), b, v];
    /// the hidden activations are recomputed inside the loops (no local arrays), indices are computed (j*K + k).
    /// </summary>
    public static Expression<Func<double[], double>> Mlp(DataSet data, int hidden)
    {
        var features = data.Features;
        var a = Captured(() => data.A);
        var y = Expression.Constant(data.Y);
        var loss = Double("loss");
        var output = Double("output");
        var pre = Double("pre");
        var diff = Double("diff");
        var bOffset = hidden * features;
        var vOffset = bOffset + hidden;

        var rows = For("r", I(0), I(data.Rows), r => Expression.Block(typeof(void), [output, diff],
            Expression.Assign(output, C(0)),
            For("j", I(0), I(hidden), j => Expression.Block(typeof(void), [pre],
                Expression.Assign(pre, Xi(Add(I(bOffset), j))),
                For("k", I(0), I(features), k => Expression.AddAssign(pre,
                    Mul(Xi(Add(Expression.Multiply(j, I(features)), k)), Expression.ArrayIndex(a, r, k)))),
                Expression.AddAssign(output, Mul(Xi(Add(j, I(vOffset))), Tanh(pre))))),
            Expression.Assign(diff, Sub(output, Expression.ArrayIndex(y, r))),
            Expression.AddAssign(loss, Square(diff))));
        return Lambda(Expression.Block([loss], Expression.Assign(loss, C(0)), rows, loss));
    }

    public static double[] MlpGradient(DataSet data, int hidden, double[] x)
    {
        var features = data.Features;
        var (bOffset, vOffset) = (hidden * features, hidden * features + hidden);
        var g = new double[x.Length];
        var act = new double[hidden];
        for (var r = 0; r < data.Rows; r++)
        {
            double output = 0;
            for (var j = 0; j < hidden; j++)
            {
                var pre = x[bOffset + j];
                for (var k = 0; k < features; k++) pre += x[j * features + k] * data.A[r, k];
                act[j] = Math.Tanh(pre);
                output += x[vOffset + j] * act[j];
            }
            var dOut = 2 * (output - data.Y[r]);
            for (var j = 0; j < hidden; j++)
            {
                g[vOffset + j] += dOut * act[j];
                var dPre = dOut * x[vOffset + j] * (1 - act[j] * act[j]);
                g[bOffset + j] += dPre;
                for (var k = 0; k < features; k++) g[j * features + k] += dPre * data.A[r, k];
            }
        }
        return g;
    }

    // --- the recurrence s = s * x[i] + sin(s) --------------------------------------------------------------

    /// <summary><c>s = x[0]; for (i = 0; i &lt; x.Length; i++) s = s * x[i] + Math.Sin(s); return s;</c></summary>
    /// <remarks><paramref name="extraTerm"/>, when given, is added to each step (a function of the counter).</remarks>
    public static Expression<Func<double[], double>> Recurrence(Func<Expression, Expression>? extraTerm = null)
    {
        var s = Double("s");
        var loop = For("i", I(0), Length, i =>
        {
            Expression next = Add(Mul(s, Xi(i)), Sin(s));
            if (extraTerm is not null) next = Add(next, extraTerm(i));
            return Expression.Assign(s, next);
        });
        return Lambda(Expression.Block([s], Expression.Assign(s, Xi(0)), loop, s));
    }

    public static double RecurrenceValue(double[] x)
    {
        var s = x[0];
        for (var i = 0; i < x.Length; i++) s = s * x[i] + Math.Sin(s);
        return s;
    }

    /// <summary>Reverse mode by hand: a forward loop stores every s, a backward loop carries ds_final/ds.</summary>
    public static double[] RecurrenceGradient(double[] x)
    {
        var n = x.Length;
        var states = new double[n + 1];
        states[0] = x[0];
        for (var i = 0; i < n; i++) states[i + 1] = states[i] * x[i] + Math.Sin(states[i]);
        var g = new double[n];
        double sBar = 1;
        for (var i = n - 1; i >= 0; i--)
        {
            g[i] += sBar * states[i];                 // d s_{i+1} / d x[i] = s_i
            sBar *= x[i] + Math.Cos(states[i]);       // d s_{i+1} / d s_i = x[i] + cos(s_i)
        }
        g[0] += sBar;                                 // s_0 = x[0]
        return g;
    }

    // --- log-sum-exp ----------------------------------------------------------------------------------------

    /// <summary>
    /// <c>m = x[0]; for (i = 1; i &lt; n; i++) m = max(m, x[i]); s = 0; for (i = 0; i &lt; n; i++) s += exp(x[i] - m); return m + log(s);</c>
    /// with the max as Math.Max or as <c>if (x[i] &gt; m) m = x[i];</c>.
    /// </summary>
    public static Expression<Func<double[], double>> LogSumExp(bool mathMax)
    {
        var m = Double("m");
        var s = Double("s");
        var maxLoop = For("i", I(1), Length, i => mathMax
            ? Expression.Assign(m, Max(m, Xi(i)))
            : Expression.IfThen(Expression.GreaterThan(Xi(i), m), Expression.Assign(m, Xi(i))), style: StepStyle.PreIncrement);
        var sumLoop = For("i", I(0), Length, i => Expression.AddAssign(s, Exp(Sub(Xi(i), m))), shape: LoopShape.BreakFirst);
        return Lambda(Expression.Block([m, s], Expression.Assign(m, Xi(0)), maxLoop, Expression.Assign(s, C(0)), sumLoop, Add(m, Log(s))));
    }

    public static double[] Softmax(double[] x)
    {
        var max = x.Max();
        var e = x.Select(v => Math.Exp(v - max)).ToArray();
        var sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    // --- reductions for the tape tests -----------------------------------------------------------------------

    /// <summary><c>s = 0; for (i = 0; i &lt; x.Length; i++) s += sin(x[i]) * x[i]; return s;</c></summary>
    public static Expression<Func<double[], double>> Reduction()
    {
        var s = Double("s");
        var loop = For("i", I(0), Length, i => Expression.AddAssign(s, Mul(Sin(Xi(i)), Xi(i))));
        return Lambda(Expression.Block([s], Expression.Assign(s, C(0)), loop, s));
    }
}
