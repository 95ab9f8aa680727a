using System.Linq.Expressions;
using ExprAD.Diagnostics;

namespace ExprAD.Vector;

/// <summary>
/// The shape of a vector function's body: <c>new[] { f0, f1, ... }</c>, possibly at the end of blocks
/// that compute shared values first. Reverse mode differentiates one output at a time, so it needs the
/// body of output i alone: the same blocks ending in <c>fi</c>.
/// </summary>
internal static class VectorBody
{
    /// <summary>The number of outputs, or an exception naming the shape that is expected.</summary>
    public static int OutputCount(Expression body) => Initializer(body).Expressions.Count;

    /// <summary>True when the body ends in an array initializer (one expression per output); false when it returns an array it fills.</summary>
    public static bool HasInitializer(Expression body) => TryInitializer(body) is not null;

    /// <summary>The scalar function computing output <paramref name="index"/> of <paramref name="f"/>.</summary>
    public static Expression<Func<double[], double>> Output(Expression<Func<double[], double[]>> f, int index)
        => Expression.Lambda<Func<double[], double>>(OutputBody(f.Body, index), $"{f.Name ?? "f"}_{index}", f.Parameters);

    private static Expression OutputBody(Expression body, int index) => body switch
    {
        NewArrayExpression array => array.Expressions[index],
        BlockExpression block => Expression.Block(typeof(double), block.Variables,
            block.Expressions.SkipLast(1).Append(OutputBody(block.Expressions[^1], index))),
        _ => throw NotAVector(body),
    };

    private static NewArrayExpression Initializer(Expression body) => TryInitializer(body) ?? throw NotAVector(body);

    private static NewArrayExpression? TryInitializer(Expression body)
    {
        while (body is BlockExpression block) body = block.Expressions[^1];
        return body is NewArrayExpression { NodeType: ExpressionType.NewArrayInit } array && array.Type == typeof(double[]) ? array : null;
    }

    private static NotSupportedException NotAVector(Expression body)
        => Errors.UnsupportedNode(body,
            "A vector function must return its values as an array initializer, x => new[] { f0, f1, ... }, "
            + "optionally at the end of a block that computes shared values first, as a local new double[m] it fills, "
            + "or as ToArray() of a LINQ Select or Zip, x => data.Select(t => ...).ToArray().");
}
