using System.Linq.Dynamic.Core;
using System.Linq.Dynamic.Core.Exceptions;
using System.Linq.Expressions;

namespace ExprAD.Formulas;

/// <summary>
/// Hands canonical text to System.Linq.Dynamic.Core and turns every failure it can report into a
/// <see cref="FormulaException"/> with a position in the user's formula.
/// </summary>
internal static class DynamicLinqFrontEnd
{
    private static readonly ParsingConfig Config = DynamicLinqConfiguration.Create();

    public static Expression Parse(CanonicalText canonical, IReadOnlyList<ParameterExpression> parameters, Type resultType)
    {
        try
        {
            return DynamicExpressionParser.ParseLambda(Config, [.. parameters], resultType, canonical.Text, canonical.Values).Body;
        }
        catch (ParseException e)
        {
            int position = canonical.SourcePosition(e.Position);
            throw new FormulaException($"the formula could not be parsed at {position}: {e.Message}", position);
        }
        catch (Exception e) when (e is not (InsufficientExecutionStackException or OutOfMemoryException))
        {
            // InvalidOperationException for some unknown names, ArgumentException from Expression factories, ...
            throw new FormulaException($"the formula could not be parsed at 0: {e.Message}", 0);
        }
    }
}
