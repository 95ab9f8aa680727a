using System.Linq.Expressions;
using ExprAD.Diagnostics;
using ExprAD.Rules;

namespace ExprAD.Lowering;

/// <summary>
/// Whether code calls only methods with derivative rules (System.Math and rules users registered, taken to
/// be pure) and no delegates: running it once more cannot be observed except in time.
/// </summary>
internal sealed class PureCode : GuardedExpressionVisitor
{
    private bool _pure = true;

    public static bool Is(IEnumerable<Expression> code)
    {
        var check = new PureCode();
        foreach (var node in code)
        {
            check.Visit(node);
            if (!check._pure) return false;
        }
        return true;
    }

    protected override Expression VisitMethodCall(MethodCallExpression node)
    {
        var rectangularRead = node.Object is not null && node.Object.Type.IsArray && node.Method.Name == "Get";
        // The exceptions of lowered LINQ (an empty or negative range): code run once more throws only where the
        // first run already threw, so nested lowered reductions keep a selector pure.
        var linqThrow = LinqLowering.IsThrowHelper(node.Method);
        if (!rectangularRead && !linqThrow && node.Method != Detached.Method && !(node.Method.IsStatic && RuleTable.TryGet(node.Method, out _))) _pure = false;
        return _pure ? base.VisitMethodCall(node) : node;
    }

    protected override Expression VisitInvocation(InvocationExpression node)
    {
        _pure = false;
        return node;
    }

    protected override Expression VisitMember(MemberExpression node)
    {
        // Property getters are code; fields and array lengths are plain reads.
        if (node.Member is System.Reflection.PropertyInfo { Name: not "Length" }) _pure = false;
        return _pure ? base.VisitMember(node) : node;
    }
}
