using System.Linq.Expressions;
using ExprAD.Diagnostics;

namespace ExprAD.Compilation;

/// <summary>
/// Moves a piece of code into a separately compiled method and returns the call that replaces it: the shared step of
/// <see cref="LoopOutlining"/> (whole loop nests) and <see cref="LoopBodyOutlining"/> (the body of a loop in a nest).
/// </summary>
/// <remarks>
/// The code's own variables (the caller decides which: used nowhere else, and with no value coming in) become the
/// method's locals. The others are passed in: by value when the code only reads them, by reference when it writes them
/// (copied into a local on entry and back on exit, so the code works on a local the JIT can keep in a register).
/// </remarks>
internal static class OutlinedCall
{
    /// <summary>The call to a compiled method that runs <paramref name="code"/>.</summary>
    /// <param name="code">Statements with no jump to a label outside them.</param>
    /// <param name="name">The compiled method's name (shown in profiles and JIT listings).</param>
    /// <param name="owns">Whether a variable the code uses becomes the method's own local.</param>
    /// <param name="settings">What outlining goes by: loop bodies inside the new method are outlined in turn under it.</param>
    public static Expression To(Expression code, string name, Func<ParameterExpression, bool> owns, LoopOutlining.Settings settings)
    {
        var uses = VariableUses.Of(code);
        var used = uses.Read.Concat(uses.Written).Distinct().ToList();
        var own = used.Where(owns).ToList();
        var parameters = new List<ParameterExpression>();
        var arguments = new List<Expression>();
        var locals = new List<ParameterExpression>(own);
        var map = new Dictionary<ParameterExpression, ParameterExpression>();
        var copyIn = new List<Expression>();
        var copyOut = new List<Expression>();
        foreach (var variable in used.Except(own))
        {
            arguments.Add(variable);
            if (!uses.Written.Contains(variable))
            {
                var parameter = Expression.Parameter(variable.Type, variable.Name);
                parameters.Add(parameter);
                map[variable] = parameter;
                continue;
            }
            var byReference = Expression.Parameter(variable.Type.MakeByRefType(), variable.Name + "Ref");
            var local = Expression.Variable(variable.Type, variable.Name);
            parameters.Add(byReference);
            locals.Add(local);
            map[variable] = local;
            copyIn.Add(Expression.Assign(local, byReference));
            copyOut.Add(Expression.Assign(byReference, local));
        }
        var body = Expression.Block(typeof(void), locals, copyIn.Append(new Substitution(map).Visit(code)!).Concat(copyOut));
        var delegateType = Expression.GetDelegateType([.. parameters.Select(p => p.IsByRef ? p.Type.MakeByRefType() : p.Type), typeof(void)]);
        var compiled = Expression.Lambda(delegateType, LoopBodyOutlining.Run(body, parameters, settings), name, parameters).Compile();
        return Expression.Invoke(Expression.Constant(compiled, delegateType), arguments);
    }

    private sealed class Substitution(Dictionary<ParameterExpression, ParameterExpression> map) : GuardedExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => map.GetValueOrDefault(node, node);
    }
}
