using System.Linq.Expressions;
using ExprAD.Diagnostics;

namespace ExprAD.Formulas;

/// <summary>
/// The last line of defence: walks a tree and refuses any node outside the formula whitelist, so that
/// nothing Dynamic LINQ could reach (its predefined types, member access, constructors, string
/// constants, lambdas, ...) survives even if the text checks had a hole. Allowed: the given parameters,
/// double/int/bool constants, arithmetic, comparisons, <c>&amp;&amp; || !</c>, conditionals, int to double
/// conversions, <c>x[i]</c> and <c>x.Length</c> on the input, calls to <see cref="MathVocabulary.AllowedMethods"/>;
/// and, in the assembled tree only, the loop constructs that <see cref="FormulaLowering"/> builds (with the check of each
/// loop's upper bound, <see cref="FormulaMath.CheckUpperBound"/>).
/// </summary>
internal sealed class FormulaTreeVerifier : ExpressionVisitor
{
    private readonly IReadOnlySet<ParameterExpression> _parameters;
    private readonly ParameterExpression? _input;
    private readonly bool _allowLoops;

    private FormulaTreeVerifier(IReadOnlySet<ParameterExpression> parameters, ParameterExpression? input, bool allowLoops)
    {
        _parameters = parameters;
        _input = input;
        _allowLoops = allowLoops;
    }

    /// <summary>Checks what Dynamic LINQ produced: only straight-line whitelisted nodes over <paramref name="parameters"/>.</summary>
    public static void VerifyParsed(Expression body, IReadOnlySet<ParameterExpression> parameters, ParameterExpression? input)
        => new FormulaTreeVerifier(parameters, input, allowLoops: false).Visit(body);

    /// <summary>Checks the assembled function body, loops included.</summary>
    public static void VerifyAssembled(Expression body, IReadOnlySet<ParameterExpression> parameters, ParameterExpression input)
        => new FormulaTreeVerifier(parameters, input, allowLoops: true).Visit(body);

    public override Expression? Visit(Expression? node)
    {
        StackGuard.Check();
        if (node is not null && !IsAllowed(node))
        {
            throw new FormulaException(
                $"the formula was refused at 0: it compiles to {node.NodeType} of type {node.Type.Name}, which formulas may not contain", 0);
        }
        return base.Visit(node);
    }

    private static bool IsNumber(Type t) => t == typeof(double) || t == typeof(int);

    private bool IsAllowed(Expression node) => node switch
    {
        ConstantExpression c => c.Value is double or int or bool && c.Type == c.Value.GetType(),
        ParameterExpression p => _parameters.Contains(p),
        BinaryExpression b => IsAllowedBinary(b),
        UnaryExpression u => IsAllowedUnary(u),
        ConditionalExpression c => c.Test.Type == typeof(bool) && (IsNumber(c.Type) || (_allowLoops && c.Type == typeof(void))),
        MethodCallExpression m => m.Object is null && (MathVocabulary.AllowedMethods.Contains(m.Method)
                                                     || _allowLoops && m.Method == FormulaMath.CheckUpperBoundMethod),
        BlockExpression b => _allowLoops && b.Variables.All(v => IsNumber(v.Type) && _parameters.Contains(v)),
        LoopExpression l => _allowLoops && l.ContinueLabel is null && l.BreakLabel is { Type: var t } && t == typeof(void),
        GotoExpression g => _allowLoops && g.Kind == GotoExpressionKind.Break && g.Value is null,
        DefaultExpression d => _allowLoops && d.Type == typeof(void),
        _ => false,
    };

    private bool IsAllowedBinary(BinaryExpression b)
    {
        if (b.Method is not null || b.Conversion is not null)
        {
            return false;
        }
        return b.NodeType switch
        {
            ExpressionType.Add or ExpressionType.Subtract or ExpressionType.Multiply or ExpressionType.Divide
                => IsNumber(b.Type) && b.Left.Type == b.Type && b.Right.Type == b.Type,
            ExpressionType.LessThan or ExpressionType.LessThanOrEqual or ExpressionType.GreaterThan
                or ExpressionType.GreaterThanOrEqual or ExpressionType.Equal or ExpressionType.NotEqual
                => IsNumber(b.Left.Type) && b.Left.Type == b.Right.Type,
            ExpressionType.AndAlso or ExpressionType.OrElse => b.Left.Type == typeof(bool) && b.Right.Type == typeof(bool),
            ExpressionType.ArrayIndex => b.Left == _input && b.Right.Type == typeof(int),
            ExpressionType.Assign => _allowLoops && b.Left is ParameterExpression p && _parameters.Contains(p),
            ExpressionType.AddAssign or ExpressionType.MultiplyAssign
                => _allowLoops && b.Left is ParameterExpression p && _parameters.Contains(p) && b.Type == typeof(double),
            _ => false,
        };
    }

    private bool IsAllowedUnary(UnaryExpression u)
    {
        if (u.Method is not null)
        {
            return false;
        }
        return u.NodeType switch
        {
            ExpressionType.Negate => IsNumber(u.Type),
            ExpressionType.Not => u.Type == typeof(bool),
            ExpressionType.Convert or ExpressionType.ConvertChecked => u.Operand.Type == typeof(int) && u.Type == typeof(double),
            ExpressionType.ArrayLength => u.Operand == _input,
            ExpressionType.PreIncrementAssign => _allowLoops && u.Operand is ParameterExpression p && _parameters.Contains(p) && p.Type == typeof(int),
            _ => false,
        };
    }
}
