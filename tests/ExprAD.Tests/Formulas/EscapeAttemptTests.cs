using System.Linq.Expressions;

namespace ExprAD.Tests.Formulas;

/// <summary>
/// The corpus of escape attempts: formulas that try to reach .NET beyond the math whitelist, or to crash
/// the parser. Every one is refused with a <see cref="FormulaException"/> before anything is compiled,
/// let alone run.
/// </summary>
public class EscapeAttemptTests
{
    public static TheoryData<string> Corpus => new()
    {
        "System.IO.File.Exists(\"x\")",
        "System.IO.File.WriteAllText(\"exprad-escape.txt\", \"x\")",
        "File.Delete(\"x\")",
        "x.GetType()",
        "x.ToString()",
        "Environment.Exit(1)",
        "Environment.GetEnvironmentVariable(\"HOME\")",
        "\"a\".Length",
        "'a'",
        "$\"{x}\"",
        "typeof(string)",
        "new object()",
        "new { x }",
        "new(x as y)",
        "Convert.ToDouble(\"1\")",
        "Convert.ToDouble(x)",
        "DateTime.Now.Ticks",
        "Guid.NewGuid()",
        "TimeSpan.FromSeconds(1).TotalSeconds",
        "Uri.EscapeDataString(\"a\")",
        "String.Empty",
        "double.Parse(\"1\")",
        "Math.Sin(x)",
        "Math.PI",
        "Double.Hypot(x, x)",
        "Activator.CreateInstance(typeof(object))",
        "System.Diagnostics.Process.Start(\"sh\")",
        "Process(\"sh\")",
        "AppDomain",
        "GetType()",
        "Equals(x, x)",
        "ToString()",
        "nameof(x)",
        "default(int)",
        "sizeof(int)",
        "(object)x",
        "(double)x",
        "x as double",
        "x is double",
        "@0",
        "it",
        "iif(x > 0, 1, 2)",
        "np(x)",
        "x\0",
        "\u0455in(x)",
        "\u2212x",
        "x =>  x",
        "sum(i, 0, 1, i.ToString())",
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public void IsRefused(string formula)
    {
        var e = Assert.Throws<FormulaException>(() => Formula.Parse(formula, "x"));
        Assert.InRange(e.Position, 0, formula.Length);
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void IsRefusedAsAVectorFormulaToo(string formula)
        => Assert.Throws<FormulaException>(() => Formula.Parse(formula));

    [Fact]
    public void TheCorpusHasAtLeastThirtyEntries() => Assert.True(Corpus.Count >= 30);

    [Fact]
    public void AFormulaThatWouldCreateAFileCreatesNothing()
    {
        string path = Path.Combine(Path.GetTempPath(), $"exprad-escape-{Guid.NewGuid():N}.txt");
        string escaped = path.Replace("\\", "\\\\", StringComparison.Ordinal);
        foreach (string attempt in new[]
        {
            $"System.IO.File.WriteAllText(\"{escaped}\", \"pwned\")",
            $"File.WriteAllText(\"{escaped}\", \"pwned\")",
            $"x + System.IO.File.Create(\"{escaped}\").Length",
        })
        {
            Assert.Throws<FormulaException>(() => Formula.Parse(attempt, "x"));
            Assert.Throws<FormulaException>(() => Formula.Parse(attempt));
        }
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void DeepNestingNeverReachesDynamicLinq()
    {
        // Dynamic LINQ 1.7.4 overflows the process stack at ~1,600 nested parentheses or ~1,200 nested calls.
        string[] attempts =
        [
            new string('(', 5000) + "x" + new string(')', 5000),
            string.Concat(Enumerable.Repeat("exp(", 2000)) + "x" + new string(')', 2000),
            "x" + string.Concat(Enumerable.Repeat("^x", 5000)),
            new string('-', 50_000) + "x",
            new string('!', 50_000) + "(x > 0) ? 1 : 0",
            string.Concat(Enumerable.Repeat("x > 0 ? 1 : ", 5000)) + "0",
            string.Concat(Enumerable.Repeat("sum(i, 0, 1, ", 3000)) + "x" + new string(')', 3000),
        ];
        foreach (string attempt in attempts)
        {
            var e = Assert.Throws<FormulaException>(() => Formula.Parse(attempt, "x"));
            Assert.Contains("nests too deeply", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AMegabyteOfTextIsRefusedBeforeParsing()
    {
        string megabyte = string.Concat(Enumerable.Repeat("x+", 1 << 19));
        var e = Assert.Throws<FormulaException>(() => Formula.Parse(megabyte, "x"));
        Assert.Contains("too long", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParsedTreesContainOnlyWhitelistedNodes()
    {
        var f = Formula.Parse("sum(i, 0, n-1, x[i] > 0 ? hypot(x[i], 1) : sign(x[i])^2) + log(n, 2) + pi");
        var kinds = new HashSet<ExpressionType>();
        new NodeKindCollector(kinds).Visit(f.Body);
        var allowed = new HashSet<ExpressionType>
        {
            ExpressionType.Constant, ExpressionType.Parameter, ExpressionType.Add, ExpressionType.Subtract,
            ExpressionType.Multiply, ExpressionType.Divide, ExpressionType.Negate, ExpressionType.GreaterThan,
            ExpressionType.LessThanOrEqual, ExpressionType.Not, ExpressionType.Conditional, ExpressionType.Convert,
            ExpressionType.ArrayIndex, ExpressionType.ArrayLength, ExpressionType.Call, ExpressionType.Block,
            ExpressionType.Loop, ExpressionType.Goto, ExpressionType.Default, ExpressionType.Assign,
            ExpressionType.AddAssign, ExpressionType.MultiplyAssign, ExpressionType.PreIncrementAssign,
        };
        Assert.Subset(allowed, kinds);
    }

    private sealed class NodeKindCollector(HashSet<ExpressionType> kinds) : ExpressionVisitor
    {
        public override Expression? Visit(Expression? node)
        {
            if (node is not null)
            {
                kinds.Add(node.NodeType);
                if (node is MethodCallExpression call)
                {
                    // sign(a) is ExprAD's NaN-safe FormulaMath.Sign, put in after the tree was verified; each sum or prod
                    // checks its upper bound (FormulaMath.CheckUpperBound), which the verifier allows in loops.
                    Assert.True(call.Method.DeclaringType == typeof(Math) || call.Method.DeclaringType == typeof(double)
                                || call.Method == ExprAD.Formulas.FormulaMath.SignMethod
                                || call.Method == ExprAD.Formulas.FormulaMath.CheckUpperBoundMethod, call.Method.ToString());
                }
            }
            return base.Visit(node);
        }
    }
}
