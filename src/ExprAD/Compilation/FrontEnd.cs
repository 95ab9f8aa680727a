using System.Linq.Expressions;
using ExprAD.Ir;
using ExprAD.Lowering;
using ExprAD.Translation;

namespace ExprAD.Compilation;

/// <summary>The first two passes every pipeline shares: lower the tree, translate it into the SSA form.</summary>
internal static class FrontEnd
{
    public sealed record Translated(IrBuilder Builder, ParameterExpression X, Value Input, Value Result);

    public static Translated Run(Expression<Func<double[], double>> f)
    {
        var x = f.Parameters[0];
        var builder = new IrBuilder();
        var (input, result) = IrTranslator.Run(builder, x, Lowerer.Run(f.Body));
        return new Translated(builder, x, input, result);
    }
}
