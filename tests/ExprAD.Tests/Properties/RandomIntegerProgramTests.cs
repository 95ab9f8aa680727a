using System.Linq.Expressions;

namespace ExprAD.Tests.Properties;

/// <summary>
/// Random programs that mix int, bool and double: int arithmetic with shifts, bitwise operators, division and remainder,
/// checked operators and checked conversions (which throw on overflow), int variables updated by compound assignments
/// (<c>k &lt;&lt;= ...</c>, <c>k ^= ...</c>, <c>k++</c>), bool logic, conditionals, and doubles computed from all of these.
/// ExprAD's value (<see cref="AD.Compile"/> and the gradient delegate's) must equal <c>f.Compile()</c>'s bit for bit, and
/// an exception must be the same type. Two silent wrong values of this kind were found by probing (a dropped
/// <c>k &lt;&lt;= 1</c>, an unchecked <c>checked((int)v)</c>); this is the generator that looks for the next one.
/// Nothing may be refused: every construct here is supported.
/// </summary>
public class RandomIntegerProgramTests
{
    private const int Programs = 1500;

    private static readonly ParameterExpression X = Expression.Parameter(typeof(double[]), "x");

    [Fact]
    public void ValuesAndExceptionsMatchTheCompiledTree()
    {
        var failures = new List<string>();
        var threw = 0;
        for (var seed = 0; seed < Programs; seed++)
        {
            var generator = new Generator(new Random(seed));
            var f = generator.Program();
            var point = generator.Point();
            var expected = Outcome(() => f.Compile()(point));
            if (!expected.StartsWith('#')) threw++;
            var compiled = AD.Compile(f);
            var gradient = AD.Differentiate(f);
            var ours = Outcome(() => compiled(point));
            var gradients = Outcome(() => gradient(point, new double[point.Length]));
            if (ours != expected || gradients != expected)
                failures.Add($"seed {seed}: f.Compile() {expected}, AD.Compile {ours}, gradient's value {gradients}\n{AD.ToCSharp(f)}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {Programs} differ; the first:\n{string.Join("\n\n", failures.Take(3))}");
        // Some programs overflow a checked operator or divide by zero: exceptions are compared too, not only values.
        Assert.InRange(threw, Programs / 100, Programs / 2);
    }

    /// <summary>The value's bits (any NaN as one), or the exception's type.</summary>
    private static string Outcome(Func<double> run)
    {
        try
        {
            var value = run();
            return "#" + (double.IsNaN(value) ? "NaN" : BitConverter.DoubleToInt64Bits(value).ToString("X16"));
        }
        catch (Exception e)
        {
            return e.GetType().Name;
        }
    }

    private sealed class Generator(Random random)
    {
        private static readonly ParameterExpression K = Expression.Variable(typeof(int), "k");
        private static readonly ParameterExpression S = Expression.Variable(typeof(double), "s");
        private static readonly ParameterExpression Unused = Expression.Variable(typeof(int), "unused");

        public double[] Point() => [Round(), Round(), Round()];

        private double Round() => Math.Round(random.NextDouble() * 4 - 2, 3);

        public Expression<Func<double[], double>> Program()
        {
            var statements = new List<Expression> { Expression.Assign(K, Int(2)), Expression.Assign(S, Double(2)) };
            for (var t = random.Next(1, 5); t > 0; t--) statements.Add(Statement());
            statements.Add(Expression.Add(S, Expression.Convert(K, typeof(double))));
            return Expression.Lambda<Func<double[], double>>(Expression.Block([K, S, Unused], statements), X);
        }

        private Expression Statement() => random.Next(12) switch
        {
            // Values nobody reads: f.Compile() still raises their exceptions, in order.
            10 => Int(3),
            11 => Expression.Assign(Unused, Int(3)),
            0 => Expression.AddAssign(K, Int(2)),
            1 => Expression.LeftShiftAssign(K, Expression.And(Int(1), Expression.Constant(3))),
            2 => Expression.ExclusiveOrAssign(K, Int(2)),
            3 => Expression.ModuloAssign(K, Expression.Add(Expression.Constant(3), Expression.And(Int(1), Expression.Constant(3)))),
            4 => Expression.AddAssign(S, Expression.Multiply(Expression.Convert(K, typeof(double)), Double(2))),
            5 => Expression.MultiplyAssign(S, Math1(nameof(Math.Cos), Double(1))),
            6 => Expression.PostIncrementAssign(K),
            7 => Expression.IfThen(Bool(2), Expression.SubtractAssign(S, Double(2))),
            8 => Expression.OrAssign(K, Int(1)),
            _ => Expression.RightShiftAssign(K, Expression.Constant(1)),
        };

        private Expression Double(int depth)
        {
            if (depth <= 0 || random.Next(5) == 0)
            {
                return random.Next(3) switch
                {
                    0 => Expression.ArrayIndex(X, Expression.Constant(random.Next(3))),
                    1 => Expression.Constant(Math.Round(random.NextDouble() * 6 - 3, 1)),
                    _ => Expression.Convert(Int(depth - 1), typeof(double)),
                };
            }
            return random.Next(8) switch
            {
                0 => Expression.Add(Double(depth - 1), Double(depth - 1)),
                1 => Expression.Multiply(Double(depth - 1), Double(depth - 1)),
                2 => Expression.Subtract(Double(depth - 1), Double(depth - 1)),
                3 => Expression.Condition(Bool(depth - 1), Double(depth - 1), Double(depth - 1)),
                4 => Math1(nameof(Math.Sin), Double(depth - 1)),
                5 => Expression.Convert(Int(depth - 1), typeof(double)),
                6 => Expression.Modulo(Double(depth - 1), Expression.Add(Expression.Constant(2.5), Math1(nameof(Math.Abs), Double(depth - 1)))),
                _ => Expression.Divide(Double(depth - 1), Expression.Add(Expression.Constant(3.0), Math1(nameof(Math.Sin), Double(depth - 1)))),
            };
        }

        private Expression Int(int depth)
        {
            if (depth <= 0 || random.Next(4) == 0)
            {
                return random.Next(3) switch
                {
                    0 => Expression.Constant(random.Next(-5, 6)),
                    1 => Expression.ArrayLength(X),
                    _ => Expression.Convert(Double(0), typeof(int)),
                };
            }
            return random.Next(20) switch
            {
                0 => Expression.Add(Int(depth - 1), Int(depth - 1)),
                1 => Expression.Subtract(Int(depth - 1), Int(depth - 1)),
                2 => Expression.Multiply(Int(depth - 1), Int(depth - 1)),
                3 => Expression.Divide(Int(depth - 1), Expression.Subtract(Expression.And(Int(depth - 1), Expression.Constant(3)), Expression.Constant(1))),
                4 => Expression.Modulo(Int(depth - 1), Expression.Add(Expression.Constant(5), Expression.And(Int(depth - 1), Expression.Constant(3)))),
                5 => Expression.LeftShift(Int(depth - 1), Expression.And(Int(depth - 1), Expression.Constant(7))),
                6 => Expression.RightShift(Int(depth - 1), Expression.And(Int(depth - 1), Expression.Constant(7))),
                7 => Expression.And(Int(depth - 1), Int(depth - 1)),
                8 => Expression.Or(Int(depth - 1), Int(depth - 1)),
                9 => Expression.ExclusiveOr(Int(depth - 1), Int(depth - 1)),
                10 => Expression.Negate(Int(depth - 1)),
                11 => Expression.OnesComplement(Int(depth - 1)),
                12 => Expression.Condition(Bool(depth - 1), Int(depth - 1), Int(depth - 1)),
                13 => Expression.Convert(Double(depth - 1), typeof(int)),
                14 => Expression.Call(typeof(Math).GetMethod(nameof(Math.Max), [typeof(int), typeof(int)])!, Int(depth - 1), Int(depth - 1)),
                15 => Expression.Increment(Int(depth - 1)),
                16 => Expression.AddChecked(Int(depth - 1), Int(depth - 1)),
                17 => Expression.MultiplyChecked(Int(depth - 1), Expression.Multiply(Int(depth - 1), Expression.Constant(100_000))),
                18 => Expression.NegateChecked(Int(depth - 1)),
                _ => Expression.ConvertChecked(Expression.Multiply(Double(depth - 1), Expression.Constant(1e9)), typeof(int)),
            };
        }

        private Expression Bool(int depth)
        {
            if (depth <= 0) return Expression.GreaterThan(Double(0), Double(0));
            return random.Next(8) switch
            {
                0 => Expression.LessThan(Double(depth - 1), Double(depth - 1)),
                1 => Expression.Equal(Int(depth - 1), Int(depth - 1)),
                2 => Expression.GreaterThanOrEqual(Int(depth - 1), Int(depth - 1)),
                3 => Expression.AndAlso(Bool(depth - 1), Bool(depth - 1)),
                4 => Expression.OrElse(Bool(depth - 1), Bool(depth - 1)),
                5 => Expression.Not(Bool(depth - 1)),
                6 => Expression.ExclusiveOr(Bool(depth - 1), Bool(depth - 1)),
                _ => Expression.And(Bool(depth - 1), Bool(depth - 1)),
            };
        }

        private static Expression Math1(string name, Expression argument)
            => Expression.Call(typeof(Math).GetMethod(name, [typeof(double)])!, argument);
    }
}
