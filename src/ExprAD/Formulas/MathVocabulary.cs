using System.Reflection;

namespace ExprAD.Formulas;

/// <summary>One function a formula may call: its name in formulas, how many arguments, and how Dynamic LINQ spells it.</summary>
internal sealed record FormulaFunction(string Name, int MinArity, int MaxArity, string DynamicLinqName, bool ReturnsInt = false);

/// <summary>
/// The complete vocabulary of formulas: functions, constants, and the methods they may compile to. The
/// whitelist verifier accepts a call only if its <see cref="MethodInfo"/> is in <see cref="AllowedMethods"/>.
/// </summary>
internal static class MathVocabulary
{
    public const string Sum = "sum";
    public const string Prod = "prod";

    public static readonly IReadOnlyDictionary<string, FormulaFunction> Functions = new[]
    {
        Unary("sin", "Math.Sin"), Unary("cos", "Math.Cos"), Unary("tan", "Math.Tan"),
        Unary("asin", "Math.Asin"), Unary("acos", "Math.Acos"), Unary("atan", "Math.Atan"),
        Binary("atan2", "Math.Atan2"),
        Unary("sinh", "Math.Sinh"), Unary("cosh", "Math.Cosh"), Unary("tanh", "Math.Tanh"),
        Unary("exp", "Math.Exp"),
        new FormulaFunction("log", 1, 2, "Math.Log"),
        Unary("log10", "Math.Log10"), Unary("log2", "Math.Log2"),
        Unary("sqrt", "Math.Sqrt"), Unary("cbrt", "Math.Cbrt"), Unary("abs", "Math.Abs"),
        Binary("pow", "Math.Pow"), Binary("min", "Math.Min"), Binary("max", "Math.Max"),
        Unary("floor", "Math.Floor"), Unary("ceil", "Math.Ceiling"), Unary("round", "Math.Round"),
        new FormulaFunction("sign", 1, 1, "Math.Sign", ReturnsInt: true),
        Binary("hypot", "Double.Hypot"),
        // exp(x) - 1 and log(1 + x) without the cancellation near x = 0.
        Unary("expm1", "Double.ExpM1"), Unary("log1p", "Double.LogP1"),
    }.ToDictionary(f => f.Name, StringComparer.Ordinal);

    public static readonly IReadOnlyDictionary<string, double> Constants = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["pi"] = Math.PI,
        ["e"] = Math.E,
    };

    /// <summary>C# words that users may try; refused with a message that says formulas are not C#.</summary>
    public static readonly IReadOnlySet<string> CSharpWords = new HashSet<string>(StringComparer.Ordinal)
    {
        "new", "typeof", "sizeof", "nameof", "default", "checked", "unchecked", "is", "as", "null", "this", "base",
        "true", "false", "stackalloc", "await", "throw", "var", "dynamic", "delegate", "object", "string", "int",
        "double", "it", "iif", "np", "parent", "root",
    };

    /// <summary>
    /// .NET type names that Dynamic LINQ would resolve by default; refused (unless declared as variables, which
    /// Dynamic LINQ never sees by name) with a message that says formulas cannot reach .NET types.
    /// </summary>
    public static readonly IReadOnlySet<string> DotNetTypeNames = new HashSet<string>(StringComparer.Ordinal)
    {
        "System", "Math", "MathF", "Convert", "String", "DateTime", "DateTimeOffset", "Guid", "Uri", "TimeSpan",
        "Environment", "File", "Directory", "Path", "Console", "Process", "Type", "Activator", "AppDomain",
        "Double", "Single", "Int32", "Int64", "Decimal", "Boolean", "Char", "Object", "Enumerable", "Array",
    };

    public static readonly IReadOnlySet<MethodInfo> AllowedMethods = BuildAllowedMethods();

    public static bool IsReduction(string name) => name is Sum or Prod;

    private static FormulaFunction Unary(string name, string target) => new(name, 1, 1, target);

    private static FormulaFunction Binary(string name, string target) => new(name, 2, 2, target);

    private static HashSet<MethodInfo> BuildAllowedMethods()
    {
        Type[] one = [typeof(double)];
        Type[] two = [typeof(double), typeof(double)];
        var methods = new HashSet<MethodInfo>();
        foreach (var function in Functions.Values)
        {
            var type = function.DynamicLinqName.StartsWith("Math.", StringComparison.Ordinal) ? typeof(Math) : typeof(double);
            string name = function.DynamicLinqName[(function.DynamicLinqName.IndexOf('.') + 1)..];
            for (int arity = function.MinArity; arity <= function.MaxArity; arity++)
            {
                methods.Add(type.GetMethod(name, BindingFlags.Public | BindingFlags.Static, arity == 1 ? one : two)
                    ?? throw new InvalidOperationException($"{type.Name}.{name} with {arity} double argument(s) does not exist."));
            }
        }
        return methods;
    }
}
