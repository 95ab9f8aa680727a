using System.Linq.Expressions;

namespace ExprAD.Compilation;

internal static class GradientPipeline
{
    public static Expression<GradientFunc> Run(Expression<Func<double[], double>> f)
        => throw new NotImplementedException("core under construction");
}
