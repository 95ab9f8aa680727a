using System.Linq.Expressions;
using ExprAD.Printing;
using E = System.Linq.Expressions.Expression;

namespace ExprAD.Tests.Printing;

public class CSharpPrinterTests
{
    private static readonly ParameterExpression X = E.Parameter(typeof(double[]), "x");
    private static readonly ParameterExpression A = E.Parameter(typeof(double), "a");
    private static readonly ParameterExpression B = E.Parameter(typeof(double), "b");
    private static readonly ParameterExpression C = E.Parameter(typeof(double), "c");
    private static readonly ParameterExpression I = E.Parameter(typeof(int), "i");
    private static readonly ParameterExpression J = E.Parameter(typeof(int), "j");
    private static readonly ParameterExpression P = E.Parameter(typeof(bool), "p");
    private static readonly ParameterExpression Q = E.Parameter(typeof(bool), "q");
    private static readonly ParameterExpression S = E.Parameter(typeof(string), "s");

    private double _scale = 3.0;

    private static void AssertPrints(string expected, E expression) => Assert.Equal(expected, CSharpPrinter.Print(expression));

    private static E Index(int i) => E.ArrayIndex(X, E.Constant(i));

    [Fact]
    public void ExpressionLambdaPrintsAsArrowExpression()
    {
        Expression<Func<double[], double>> f = x => Math.Sin(x[0]) * x[1] + 2.0;
        AssertPrints("x => Math.Sin(x[0]) * x[1] + 2.0", f);
    }

    [Fact]
    public void LambdaParametersAreTypedWhenThereIsMoreThanOne()
    {
        AssertPrints("(double a, double b) => a * b", E.Lambda(E.Multiply(A, B), A, B));
        AssertPrints("() => 1.0", E.Lambda(E.Constant(1.0)));
        var byRef = E.Parameter(typeof(double).MakeByRefType(), "r");
        AssertPrints("(ref double r) => r = 2.0", E.Lambda(E.Assign(byRef, E.Constant(2.0)), byRef));
    }

    [Fact]
    public void NestedLambdaWithStatementBodyKeepsItsOwnReturn()
    {
        var t = E.Variable(typeof(double), "t");
        var square = E.Lambda<Func<double, double>>(E.Block([t], E.Assign(t, A), E.Multiply(t, t)), A);
        AssertPrints("b => 1.0 + (a =>\n{\n    double t;\n    t = a;\n    return t * t;\n})(b)", E.Lambda(E.Add(E.Constant(1.0), E.Invoke(square, B)), B));
    }

    [Fact]
    public void BlockThatDiscardsItsValueIsNotCollapsed()
    {
        var lambda = E.Lambda<Action<double, double>>(E.Block(typeof(void), E.Assign(A, B)), A, B);
        AssertPrints("(double a, double b) =>\n{\n    a = b;\n}", lambda);
        AssertPrints("(double a, double b) => a = b", E.Lambda<Action<double, double>>(E.Assign(A, B), A, B));
    }

    [Fact]
    public void ArithmeticUsesMinimalParentheses()
    {
        AssertPrints("(a + b) * c", E.Multiply(E.Add(A, B), C));
        AssertPrints("a + b * c", E.Add(A, E.Multiply(B, C)));
        AssertPrints("a - (b - c)", E.Subtract(A, E.Subtract(B, C)));
        AssertPrints("a - b - c", E.Subtract(E.Subtract(A, B), C));
        AssertPrints("a + (b + c)", E.Add(A, E.Add(B, C)));
        AssertPrints("a / (b * c)", E.Divide(A, E.Multiply(B, C)));
        AssertPrints("a * b / c", E.Divide(E.Multiply(A, B), C));
        AssertPrints("a * b % c", E.Modulo(E.Multiply(A, B), C));
        AssertPrints("-(a + b)", E.Negate(E.Add(A, B)));
        AssertPrints("-a * b", E.Multiply(E.Negate(A), B));
        AssertPrints("a - -b", E.Subtract(A, E.Negate(B)));
        AssertPrints("Math.Pow(a + b, 2.0) * c", E.Multiply(E.Power(E.Add(A, B), E.Constant(2.0)), C));
        AssertPrints("a * -2.0", E.Multiply(A, E.Constant(-2.0)));
    }

    [Fact]
    public void LogicalAndComparisonOperatorsFollowCSharpPrecedence()
    {
        AssertPrints("a < b && b <= c || !p", E.OrElse(E.AndAlso(E.LessThan(A, B), E.LessThanOrEqual(B, C)), E.Not(P)));
        AssertPrints("p && (q || p)", E.AndAlso(P, E.OrElse(Q, P)));
        AssertPrints("a == b != p", E.NotEqual(E.Equal(A, B), P));
        AssertPrints("a > b == b >= c", E.Equal(E.GreaterThan(A, B), E.GreaterThanOrEqual(B, C)));
        AssertPrints("p & q | p ^ q", E.Or(E.And(P, Q), E.ExclusiveOr(P, Q)));
        AssertPrints("(i | j) & i", E.And(E.Or(I, J), I));
        AssertPrints("i << 2 >> j", E.RightShift(E.LeftShift(I, E.Constant(2)), J));
        AssertPrints("i + j << 1", E.LeftShift(E.Add(I, J), E.Constant(1)));
        AssertPrints("s ?? s ?? \"z\"", E.Coalesce(S, E.Coalesce(S, E.Constant("z"))));
        AssertPrints("(s ?? s) ?? \"z\"", E.Coalesce(E.Coalesce(S, S), E.Constant("z")));
    }

    [Fact]
    public void CheckedOperatorsAreWrappedInChecked()
    {
        AssertPrints("checked(i + j) * i", E.Multiply(E.AddChecked(I, J), I));
        AssertPrints("checked(-i)", E.NegateChecked(I));
        AssertPrints("checked((int)a)", E.ConvertChecked(A, typeof(int)));
    }

    [Fact]
    public void UnaryOperators()
    {
        AssertPrints("-a", E.Negate(A));
        AssertPrints("+a", E.UnaryPlus(A));
        AssertPrints("-(-a)", E.Negate(E.Negate(A)));
        AssertPrints("-(-2.0)", E.Negate(E.Constant(-2.0)));
        AssertPrints("!p", E.Not(P));
        AssertPrints("!(p && q)", E.Not(E.AndAlso(P, Q)));
        AssertPrints("~i", E.Not(I));
        AssertPrints("~i", E.OnesComplement(I));
        AssertPrints("(int)a", E.Convert(A, typeof(int)));
        AssertPrints("(double)(i + j)", E.Convert(E.Add(I, J), typeof(double)));
        AssertPrints("(double)(-i)", E.Convert(E.Negate(I), typeof(double)));
        AssertPrints("(int?)i", E.Convert(I, typeof(int?)));
        AssertPrints("x.Length", E.ArrayLength(X));
        AssertPrints("x.Length * 2", E.Multiply(E.ArrayLength(X), E.Constant(2)));
        AssertPrints("a + 1", E.Increment(A));
        AssertPrints("(a + 1) * b", E.Multiply(E.Increment(A), B));
        AssertPrints("a - 1", E.Decrement(A));
        AssertPrints("++i", E.PreIncrementAssign(I));
        AssertPrints("--i", E.PreDecrementAssign(I));
        AssertPrints("i++", E.PostIncrementAssign(I));
        AssertPrints("i--", E.PostDecrementAssign(I));
        AssertPrints("-(--i)", E.Negate(E.PreDecrementAssign(I)));
        AssertPrints("s as object", E.TypeAs(S, typeof(object)));
        AssertPrints("(double)(object)a", E.Unbox(E.Convert(A, typeof(object)), typeof(double)));
        AssertPrints("a => a * 2.0", E.Quote(E.Lambda(E.Multiply(A, E.Constant(2.0)), A)));
    }

    [Fact]
    public void ConstantsPrintAsCSharpLiterals()
    {
        AssertPrints("0.1", E.Constant(0.1));
        AssertPrints("2.0", E.Constant(2.0));
        AssertPrints("-0.5", E.Constant(-0.5));
        AssertPrints("-0.0", E.Constant(-0.0));
        AssertPrints("1E+20", E.Constant(1e20));
        AssertPrints("0.30000000000000004", E.Constant(0.1 + 0.2));
        AssertPrints("double.NaN", E.Constant(double.NaN));
        AssertPrints("double.PositiveInfinity", E.Constant(double.PositiveInfinity));
        AssertPrints("double.NegativeInfinity", E.Constant(double.NegativeInfinity));
        AssertPrints("1.5f", E.Constant(1.5f));
        AssertPrints("1.25m", E.Constant(1.25m));
        AssertPrints("42", E.Constant(42));
        AssertPrints("42L", E.Constant(42L));
        AssertPrints("true", E.Constant(true));
        AssertPrints("false", E.Constant(false));
        AssertPrints("null", E.Constant(null, typeof(string)));
        AssertPrints("\"a\\\"b\\\\c\\n\"", E.Constant("a\"b\\c\n"));
        AssertPrints("'\\''", E.Constant('\''));
        AssertPrints("MidpointRounding.ToEven", E.Constant(MidpointRounding.ToEven));
        AssertPrints("typeof(List<double>)", E.Constant(typeof(List<double>)));
    }

    [Fact]
    public void ValuesWithoutALiteralPrintAsPlaceholders()
    {
        AssertPrints("<double[3]>", E.Constant(new double[3]));
        AssertPrints("<double[2,4]>", E.Constant(new double[2, 4]));
        AssertPrints("<double[5][]>", E.Constant(new double[5][]));
        AssertPrints("<double[3]>[1]", E.ArrayIndex(E.Constant(new double[3]), E.Constant(1)));
        AssertPrints("<List<double>>.Count", E.Property(E.Constant(new List<double>()), "Count"));
        AssertPrints("<object>", E.Constant(new object()));
    }

    [Fact]
    public void CapturedLocalsPrintAsTheirNames()
    {
        double c = 2.5;
        Expression<Func<double[], double>> f = x => c * x[0];
        AssertPrints("x => c * x[0]", f);
    }

    [Fact]
    public void CapturedLocalsFromNestedScopesPrintAsTheirNames()
    {
        double outer = 1.0;
        Expression<Func<double[], double>>? f = null;
        for (int k = 0; k < 1; k++)
        {
            double inner = k;
            f = x => outer + inner * x[0] + _scale;
        }

        // The compiler captures `this` as a plain constant, indistinguishable from any other object.
        AssertPrints("x => outer + inner * x[0] + <CSharpPrinterTests>._scale", f!);
    }

    [Fact]
    public void MembersAndCalls()
    {
        AssertPrints("Math.PI * a", E.Multiply(E.Field(null, typeof(Math), nameof(Math.PI)), A));
        AssertPrints("s.Length", E.Property(S, nameof(string.Length)));
        AssertPrints("Math.Max(a, b)", E.Call(typeof(Math).GetMethod(nameof(Math.Max), [typeof(double), typeof(double)])!, A, B));
        AssertPrints("s.Substring(1, i)", E.Call(S, typeof(string).GetMethod(nameof(string.Substring), [typeof(int), typeof(int)])!, E.Constant(1), I));
        AssertPrints("(s + s).Trim()", E.Call(E.Add(S, S, typeof(string).GetMethod(nameof(string.Concat), [typeof(string), typeof(string)])), typeof(string).GetMethod(nameof(string.Trim), Type.EmptyTypes)!));
        AssertPrints("Enumerable.Sum(x)", E.Call(typeof(Enumerable).GetMethod(nameof(Enumerable.Sum), [typeof(IEnumerable<double>)])!, X));
        AssertPrints("Enumerable.Empty<double>()", E.Call(typeof(Enumerable), nameof(Enumerable.Empty), [typeof(double)]));
        AssertPrints("x.Length", E.Property(X, nameof(Array.Length)));

        var list = E.Parameter(typeof(List<double>), "list");
        AssertPrints("list.Count", E.Call(list, typeof(List<double>).GetProperty(nameof(List<double>.Count))!.GetMethod!));
        AssertPrints("list[i]", E.Call(list, typeof(List<double>).GetProperty("Item")!.GetMethod!, I));

        var dictionary = E.Parameter(typeof(Dictionary<string, double>), "d");
        var tryGetValue = typeof(Dictionary<string, double>).GetMethod(nameof(Dictionary<string, double>.TryGetValue))!;
        AssertPrints("d.TryGetValue(s, out a)", E.Call(dictionary, tryGetValue, S, A));
    }

    [Fact]
    public void IndexingAndArrays()
    {
        var matrix = E.Parameter(typeof(double[,]), "m");
        AssertPrints("x[i]", E.ArrayIndex(X, I));
        AssertPrints("x[i + 1]", E.ArrayAccess(X, E.Add(I, E.Constant(1))));
        AssertPrints("m[i, j]", E.ArrayAccess(matrix, I, J));
        AssertPrints("m[i, j]", E.ArrayIndex(matrix, I, J));
        AssertPrints("m[i, j] = 1.0", E.Assign(E.ArrayAccess(matrix, I, J), E.Constant(1.0)));
        var list = E.Parameter(typeof(List<double>), "list");
        AssertPrints("list[0]", E.Property(list, "Item", E.Constant(0)));

        AssertPrints("new double[] { a, b + c }", E.NewArrayInit(typeof(double), A, E.Add(B, C)));
        AssertPrints("new double[] { }", E.NewArrayInit(typeof(double)));
        AssertPrints("new double[i]", E.NewArrayBounds(typeof(double), I));
        AssertPrints("new double[i, j]", E.NewArrayBounds(typeof(double), I, J));
        AssertPrints("new double[i][]", E.NewArrayBounds(typeof(double[]), I));
        AssertPrints("new double[][] { x, x }", E.NewArrayInit(typeof(double[]), X, X));
    }

    [Fact]
    public void ObjectCreationAndInitializers()
    {
        AssertPrints("new List<double>(i)", E.New(typeof(List<double>).GetConstructor([typeof(int)])!, I));
        AssertPrints("new DateTime()", E.New(typeof(DateTime)));
        var add = typeof(List<double>).GetMethod(nameof(List<double>.Add))!;
        AssertPrints("new List<double> { a, 2.0 }", E.ListInit(E.New(typeof(List<double>)), E.ElementInit(add, A), E.ElementInit(add, E.Constant(2.0))));
        var dictionaryAdd = typeof(Dictionary<string, double>).GetMethod(nameof(Dictionary<string, double>.Add))!;
        AssertPrints(
            "new Dictionary<string, double> { { s, a } }",
            E.ListInit(E.New(typeof(Dictionary<string, double>)), E.ElementInit(dictionaryAdd, S, A)));
        AssertPrints(
            "new CSharpPrinterTests.Holder { Value = a, Items = { b } }",
            E.MemberInit(
                E.New(typeof(Holder)),
                E.Bind(typeof(Holder).GetField(nameof(Holder.Value))!, A),
                E.ListBind(typeof(Holder).GetField(nameof(Holder.Items))!, E.ElementInit(add, B))));

        Expression<Func<double, object>> anonymous = v => new { Value = v, Twice = v * 2 };
        AssertPrints("v => new { Value = v, Twice = v * 2.0 }", anonymous);
    }

    [Fact]
    public void InvocationDefaultAndTypeTests()
    {
        var f = E.Parameter(typeof(Func<double, double>), "f");
        AssertPrints("f(a + b)", E.Invoke(f, E.Add(A, B)));
        AssertPrints("(a => a * a)(b)", E.Invoke(E.Lambda(E.Multiply(A, A), A), B));
        AssertPrints("default(double)", E.Default(typeof(double)));
        AssertPrints("default(int[])", E.Default(typeof(int[])));
        AssertPrints("s is object", E.TypeIs(S, typeof(object)));
        AssertPrints("!(s is object)", E.Not(E.TypeIs(S, typeof(object))));
        AssertPrints("s.GetType() == typeof(string)", E.TypeEqual(S, typeof(string)));
    }

    [Fact]
    public void ConditionalExpressions()
    {
        AssertPrints("a > b ? a : b", E.Condition(E.GreaterThan(A, B), A, B));
        AssertPrints("p ? a : q ? b : c", E.Condition(P, A, E.Condition(Q, B, C)));
        AssertPrints("p ? (q ? a : b) : c", E.Condition(P, E.Condition(Q, A, B), C));
        AssertPrints("(p ? a : b) * c", E.Multiply(E.Condition(P, A, B), C));
    }

    [Fact]
    public void AssignmentsAndCompoundAssignments()
    {
        AssertPrints("a = b + c", E.Assign(A, E.Add(B, C)));
        AssertPrints("a = b = c", E.Assign(A, E.Assign(B, C)));
        AssertPrints("a += b", E.AddAssign(A, B));
        AssertPrints("a -= b * c", E.SubtractAssign(A, E.Multiply(B, C)));
        AssertPrints("a *= b", E.MultiplyAssign(A, B));
        AssertPrints("a /= b", E.DivideAssign(A, B));
        AssertPrints("a %= b", E.ModuloAssign(A, B));
        AssertPrints("i &= j", E.AndAssign(I, J));
        AssertPrints("i |= j", E.OrAssign(I, J));
        AssertPrints("i ^= j", E.ExclusiveOrAssign(I, J));
        AssertPrints("i <<= j", E.LeftShiftAssign(I, J));
        AssertPrints("i >>= j", E.RightShiftAssign(I, J));
        AssertPrints("checked(i += j)", E.AddAssignChecked(I, J));
        AssertPrints("a = Math.Pow(a, b)", E.PowerAssign(A, B));
        AssertPrints("x[0] = a", E.Assign(E.ArrayAccess(X, E.Constant(0)), A));
        AssertPrints("(a = b) * c", E.Multiply(E.Assign(A, B), C));
    }

    [Fact]
    public void BlockLambdaDeclaresLocalsAndReturnsItsLastValue()
    {
        var gradient = E.Parameter(typeof(double[]), "gradient");
        var t0 = E.Variable(typeof(double), "t0");
        var t1 = E.Variable(typeof(double), "t1");
        var body = E.Block(
            [t0, t1],
            E.Assign(t0, E.Call(typeof(Math).GetMethod(nameof(Math.Sin), [typeof(double)])!, Index(0))),
            E.Assign(t1, E.Multiply(t0, Index(1))),
            E.AddAssign(E.ArrayAccess(gradient, E.Constant(0)), E.Multiply(E.Call(typeof(Math).GetMethod(nameof(Math.Cos), [typeof(double)])!, Index(0)), Index(1))),
            E.Add(t1, E.Constant(2.0)));
        var lambda = E.Lambda<Func<double[], double[], double>>(body, X, gradient);

        AssertPrints(
            """
            (double[] x, double[] gradient) =>
            {
                double t0;
                double t1;
                t0 = Math.Sin(x[0]);
                t1 = t0 * x[1];
                gradient[0] += Math.Cos(x[0]) * x[1];
                return t1 + 2.0;
            }
            """,
            lambda);
    }

    [Fact]
    public void VoidLambdaBlockHasNoReturn()
    {
        var lambda = E.Lambda<Action<double[]>>(E.Block(E.Assign(E.ArrayAccess(X, E.Constant(0)), E.Constant(1.0)), E.Empty()), X);
        AssertPrints("x =>\n{\n    x[0] = 1.0;\n}", lambda);
    }

    [Fact]
    public void BlockInsideAnExpressionPrintsAsBlockExpression()
    {
        var t = E.Variable(typeof(double), "t");
        var block = E.Block([t], E.Assign(t, A), E.Multiply(t, t));
        AssertPrints("b + ({\n    double t;\n    t = a;\n    t * t\n})", E.Add(B, block));

        // A block with one expression and no variables adds nothing, so it prints as that expression.
        AssertPrints("(a + b) * c", E.Multiply(E.Block(E.Add(A, B)), C));
    }

    [Fact]
    public void LoopWithBreakAndContinue()
    {
        var sum = E.Variable(typeof(double), "sum");
        var k = E.Variable(typeof(int), "k");
        var breakLabel = E.Label("done");
        var continueLabel = E.Label("next");
        var body = E.Block(
            [sum, k],
            E.Assign(sum, E.Constant(0.0)),
            E.Assign(k, E.Constant(0)),
            E.Loop(
                E.Block(
                    E.IfThen(E.GreaterThanOrEqual(k, E.ArrayLength(X)), E.Break(breakLabel)),
                    E.AddAssign(sum, E.ArrayIndex(X, E.PostIncrementAssign(k))),
                    E.Continue(continueLabel)),
                breakLabel,
                continueLabel),
            sum);
        var lambda = E.Lambda<Func<double[], double>>(body, X);

        AssertPrints(
            """
            x =>
            {
                double sum;
                int k;
                sum = 0.0;
                k = 0;
                while (true)
                {
                    if (k >= x.Length)
                    {
                        break;
                    }
                    sum += x[k++];
                    continue;
                }
                return sum;
            }
            """,
            lambda);
    }

    [Fact]
    public void JumpToAnOuterLoopPrintsAsGotoWithTheLabelAfterThatLoop()
    {
        var outerBreak = E.Label("outerDone");
        var innerBreak = E.Label("innerDone");
        var loops = E.Loop(
            E.Loop(
                E.IfThenElse(P, E.Break(outerBreak), E.Break(innerBreak)),
                innerBreak),
            outerBreak);
        var lambda = E.Lambda<Action<bool>>(loops, P);

        AssertPrints(
            """
            p =>
            {
                while (true)
                {
                    while (true)
                    {
                        if (p)
                        {
                            goto outerDone;
                        }
                        else
                        {
                            break;
                        }
                    }
                }
                outerDone:
            }
            """,
            lambda);
    }

    [Fact]
    public void JumpsToTheFinalLabelPrintAsReturn()
    {
        var returnLabel = E.Label(typeof(double), "ret");
        var body = E.Block(
            E.IfThen(E.LessThan(A, E.Constant(0.0)), E.Return(returnLabel, E.Negate(A))),
            E.Return(returnLabel, A),
            E.Label(returnLabel, E.Constant(0.0)));
        AssertPrints(
            """
            a =>
            {
                if (a < 0.0)
                {
                    return -a;
                }
                return a;
            }
            """,
            E.Lambda<Func<double, double>>(body, A));

        // Without a return just before it, the label's default value is what the lambda returns.
        var fallsThrough = E.Block(
            E.IfThen(P, E.Return(returnLabel, A)),
            E.Label(returnLabel, E.Constant(0.0)));
        AssertPrints("(bool p, double a) =>\n{\n    if (p)\n    {\n        return a;\n    }\n    return 0.0;\n}", E.Lambda<Func<bool, double, double>>(fallsThrough, P, A));
    }

    [Fact]
    public void GotoAndLabelStatements()
    {
        var label = E.Label("again");
        var body = E.Block(
            E.Label(label),
            E.PreIncrementAssign(I),
            E.IfThen(E.LessThan(I, E.Constant(10)), E.Goto(label)));
        AssertPrints("i =>\n{\n    again:\n    ++i;\n    if (i < 10)\n    {\n        goto again;\n    }\n}", E.Lambda<Action<int>>(body, I));

        var unnamed = E.Label();
        AssertPrints("{\n    int v0;\n    goto L0;\n    L0:\n}", E.Block([E.Variable(typeof(int))], E.Goto(unnamed), E.Label(unnamed)));
    }

    [Fact]
    public void IfElseStatementsChainElseIf()
    {
        var body = E.IfThenElse(
            P,
            E.Assign(A, B),
            E.IfThenElse(Q, E.Assign(A, C), E.Assign(A, E.Constant(0.0))));
        AssertPrints(
            """
            if (p)
            {
                a = b;
            }
            else if (q)
            {
                a = c;
            }
            else
            {
                a = 0.0;
            }
            """,
            body);
    }

    [Fact]
    public void ConditionalWithStatementBranchesReturnsFromEachBranch()
    {
        var t = E.Variable(typeof(double), "t");
        var body = E.Condition(P, E.Block([t], E.Assign(t, A), E.Multiply(t, t)), B);
        AssertPrints(
            "(bool p, double a, double b) =>\n{\n    if (p)\n    {\n        double t;\n        t = a;\n        return t * t;\n    }\n    else\n    {\n        return b;\n    }\n}",
            E.Lambda<Func<bool, double, double, double>>(body, P, A, B));
    }

    [Fact]
    public void UnnamedAndClashingVariablesGetDistinctStableNames()
    {
        var first = E.Parameter(typeof(double));
        var second = E.Parameter(typeof(double));
        var otherX = E.Parameter(typeof(double), "a");
        var keyword = E.Parameter(typeof(double), "double");
        var lambda = E.Lambda(E.Add(E.Add(E.Add(first, second), E.Add(A, otherX)), keyword), first, second, A, otherX, keyword);
        var expected = "(double v0, double v1, double a, double a_1, double @double) => v0 + v1 + (a + a_1) + @double";
        AssertPrints(expected, lambda);
        AssertPrints(expected, lambda);
    }

    [Fact]
    public void TryCatchFinally()
    {
        var error = E.Variable(typeof(InvalidOperationException), "error");
        var body = E.TryCatchFinally(
            E.Assign(A, E.Divide(A, B)),
            E.Assign(A, E.Constant(0.0)),
            E.Catch(error, E.Assign(A, E.Constant(1.0)), E.Equal(E.Property(error, nameof(Exception.Message)), E.Constant("x"))),
            E.Catch(typeof(Exception), E.Rethrow(typeof(double))));
        AssertPrints(
            """
            try
            {
                a = a / b;
            }
            catch (InvalidOperationException error) when (error.Message == "x")
            {
                a = 1.0;
            }
            catch (Exception)
            {
                throw;
            }
            finally
            {
                a = 0.0;
            }
            """,
            E.Block(typeof(void), body));
    }

    [Fact]
    public void SwitchPrintsAsStatementOrSwitchExpression()
    {
        var statement = E.Switch(
            I,
            E.Assign(A, E.Constant(0.0)),
            E.SwitchCase(E.Assign(A, E.Constant(1.0)), E.Constant(1), E.Constant(2)),
            E.SwitchCase(E.Assign(A, E.Constant(3.0)), E.Constant(3)));
        AssertPrints(
            """
            switch (i)
            {
                case 1:
                case 2:
                    a = 1.0;
                    break;
                case 3:
                    a = 3.0;
                    break;
                default:
                    a = 0.0;
                    break;
            }
            """,
            E.Block(typeof(void), statement));

        var value = E.Switch(I, E.Constant(0.0), E.SwitchCase(A, E.Constant(1), E.Constant(2)), E.SwitchCase(B, E.Constant(3)));
        AssertPrints("(i switch\n{\n    1 or 2 => a,\n    3 => b,\n    _ => 0.0,\n}) * c", E.Multiply(value, C));
    }

    [Fact]
    public void UnknownNodesPrintAsCommentsInsteadOfThrowing()
    {
        AssertPrints("/* RuntimeVariables */", E.RuntimeVariables(A));
        AssertPrints("a + /* Extension OpaqueNode */", E.Add(A, new OpaqueNode()));
        AssertPrints("a + b * 2.0", E.Add(A, new TwiceNode(B)));
        AssertPrints("(a + b) * 2.0", new TwiceNode(E.Add(A, B)));
    }

    [Fact]
    public void LeftDeepSumOf100000TermsPrintsInFull()
    {
        const int terms = 100_000;
        var text = CSharpPrinter.Print(LeftDeepSum(terms));
        Assert.StartsWith("x[0] + x[1] + x[2] + ", text, StringComparison.Ordinal);
        Assert.EndsWith(" + x[99998] + x[99999]", text, StringComparison.Ordinal);
        Assert.Equal(terms - 1, CountOccurrences(text, " + "));
    }

    [Fact]
    public void LeftDeepSumOf1000000TermsPrintsInFull()
    {
        const int terms = 1_000_000;
        var text = CSharpPrinter.Print(E.Lambda(LeftDeepSum(terms), X));
        Assert.StartsWith("x => x[0] + x[1] + ", text, StringComparison.Ordinal);
        Assert.EndsWith(" + x[999999]", text, StringComparison.Ordinal);
        Assert.Equal(terms - 1, CountOccurrences(text, " + "));
    }

    [Fact]
    public void RightDeepTreesAreTruncatedInsteadOfOverflowingTheStack()
    {
        foreach (int depth in new[] { 100_000, 1_000_000 })
        {
            E rightDeep = A;
            E nestedCalls = A;
            for (int k = 0; k < depth; k++)
            {
                rightDeep = E.Subtract(B, rightDeep);
                nestedCalls = E.Negate(nestedCalls);
            }

            // A small stack makes sure the guard, not luck, is what prevents the overflow.
            string rightDeepText = string.Empty, nestedText = string.Empty;
            var thread = new Thread(
                () =>
                {
                    rightDeepText = CSharpPrinter.Print(rightDeep);
                    nestedText = CSharpPrinter.Print(nestedCalls, 1000);
                },
                maxStackSize: 256 * 1024);
            thread.Start();
            thread.Join();

            Assert.StartsWith("b - (b - (b - ", rightDeepText, StringComparison.Ordinal);
            Assert.Contains("...", rightDeepText, StringComparison.Ordinal);
            Assert.StartsWith("-(-(-(", nestedText, StringComparison.Ordinal);
            Assert.Contains("...", nestedText, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DeepBlockNestingIsTruncatedInsteadOfOverflowingTheStack()
    {
        E body = E.Assign(A, B);
        for (int k = 0; k < 100_000; k++)
        {
            body = E.IfThen(P, E.Block([E.Variable(typeof(double), "t")], body, E.Empty()));
        }

        var text = CSharpPrinter.Print(E.Lambda<Action<bool, double, double>>(body, P, A, B), 10_000);
        Assert.StartsWith("(bool p, double a, double b) =>\n{\n    if (p)\n", text, StringComparison.Ordinal);
        Assert.EndsWith("...", text, StringComparison.Ordinal);
    }

    [Fact]
    public void MaxLengthStopsEarlyAndEndsWithEllipsis()
    {
        var sum = LeftDeepSum(1_000_000);
        var text = CSharpPrinter.Print(sum, 20);
        Assert.Equal("x[0] + x[1] + x[2] +...", text);

        Assert.Equal("a + b", CSharpPrinter.Print(E.Add(A, B), 5));
        Assert.Equal("a + ...", CSharpPrinter.Print(E.Add(A, B), 4));
        Assert.Equal("...", CSharpPrinter.Print(E.Add(A, B), 0));
    }

    [Fact]
    public void MaxLengthAppliesToMultiLineOutput()
    {
        var t = E.Variable(typeof(double), "t");
        var lambda = E.Lambda<Func<double, double>>(E.Block([t], E.Assign(t, A), E.Multiply(t, t)), A);
        var full = CSharpPrinter.Print(lambda);
        Assert.Equal("a =>\n{\n    double t;\n    t = a;\n    return t * t;\n}", full);
        for (int limit = 0; limit < full.Length; limit++)
        {
            Assert.Equal(full[..limit] + "...", CSharpPrinter.Print(lambda, limit));
        }
    }

    private static E LeftDeepSum(int terms)
    {
        E sum = Index(0);
        for (int k = 1; k < terms; k++)
        {
            sum = E.Add(sum, Index(k));
        }

        return sum;
    }

    private static int CountOccurrences(string text, string part)
    {
        int count = 0;
        for (int at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    public sealed class Holder
    {
        public double Value;
        public List<double> Items = [];
    }

    private sealed class OpaqueNode : E
    {
        public override ExpressionType NodeType => ExpressionType.Extension;

        public override Type Type => typeof(double);
    }

    /// <summary>Reduces to <c>operand * 2.0</c>, like a custom node a library might define.</summary>
    private sealed class TwiceNode(E operand) : E
    {
        public override ExpressionType NodeType => ExpressionType.Extension;

        public override Type Type => typeof(double);

        public override bool CanReduce => true;

        public override E Reduce() => Multiply(operand, Constant(2.0));
    }
}
