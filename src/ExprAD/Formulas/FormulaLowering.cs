using System.Linq.Expressions;

namespace ExprAD.Formulas;

/// <summary>
/// Turns a checked syntax tree into the final expression tree: each body (the formula, and each sum/prod's
/// bounds and body) is spelled as canonical text, parsed by Dynamic LINQ, verified, and its stand-in
/// parameters replaced; each sum/prod becomes a counted <see cref="Expression.Loop(Expression, LabelTarget)"/>
/// in the shape AD differentiates (<c>if (!(i &lt;= to)) break;</c> first, then <c>acc += body; ++i;</c>).
/// </summary>
internal sealed class FormulaLowering
{
    public const string InputName = "x";
    public const string LengthName = "n";

    private readonly ParameterExpression _input = Expression.Parameter(typeof(double[]), InputName);
    private readonly ParameterExpression _length = Expression.Parameter(typeof(int), LengthName);
    private readonly ParameterExpression[] _variables;
    private readonly bool _vectorMode;
    private readonly HashSet<ParameterExpression> _locals = [];

    private FormulaLowering(int variableCount)
    {
        _vectorMode = variableCount == 0;
        _variables = [.. Enumerable.Range(0, variableCount).Select(k => Expression.Parameter(typeof(double), CanonicalTextWriter.VariableName(k)))];
    }

    public static Expression<Func<double[], double>> Run(SyntaxNode formula, int variableCount)
    {
        var lowering = new FormulaLowering(variableCount);
        var body = lowering.Lower(formula, SyntaxType.Double, []);
        var allowed = new HashSet<ParameterExpression>(lowering._locals) { lowering._input };
        FormulaTreeVerifier.VerifyAssembled(body, allowed, lowering._input);
        return Expression.Lambda<Func<double[], double>>(FormulaMath.NanSafeSigns(body), lowering._input);
    }

    private Expression Lower(SyntaxNode node, SyntaxType context, IReadOnlyList<LoopIndex> scope)
    {
        var canonical = CanonicalTextWriter.Write(node, context);
        var parameters = new List<ParameterExpression>();
        var replacements = new Dictionary<ParameterExpression, Expression>();
        if (_vectorMode)
        {
            parameters.Add(_input);
            parameters.Add(_length);
            replacements[_length] = Expression.ArrayLength(_input);
        }
        for (int k = 0; k < _variables.Length; k++)
        {
            parameters.Add(_variables[k]);
            replacements[_variables[k]] = Expression.ArrayIndex(_input, Expression.Constant(k));
        }
        foreach (var index in scope)
        {
            parameters.Add(index.Placeholder);
            replacements[index.Placeholder] = index.Variable;
        }
        foreach (var (placeholder, reduction) in canonical.Reductions)
        {
            parameters.Add(placeholder);
            replacements[placeholder] = LowerReduction(reduction, scope);
        }

        var parsed = DynamicLinqFrontEnd.Parse(canonical, parameters, context == SyntaxType.Int ? typeof(int) : typeof(double));
        FormulaTreeVerifier.VerifyParsed(parsed, parameters.ToHashSet(), _vectorMode ? _input : null);
        return new ParameterSubstitution(replacements).Visit(parsed)!;
    }

    private Expression LowerReduction(ReductionNode reduction, IReadOnlyList<LoopIndex> scope)
    {
        var from = Lower(reduction.From, SyntaxType.Int, scope);
        var to = Lower(reduction.To, SyntaxType.Int, scope);
        var body = Lower(reduction.Body, SyntaxType.Double, [.. scope, reduction.Index]);

        var i = reduction.Index.Variable;
        var accumulator = Expression.Variable(typeof(double), reduction.IsProduct ? "product" : "sum");
        _locals.Add(i);
        _locals.Add(accumulator);
        var done = Expression.Label("done");
        // Inclusive bounds; an empty range leaves the identity (0 for sum, 1 for prod). The bound is
        // re-read each iteration, which keeps the loop test in the one shape AD recognises.
        return Expression.Block(
            [i, accumulator],
            Expression.Assign(accumulator, Expression.Constant(reduction.IsProduct ? 1.0 : 0.0)),
            Expression.Assign(i, from),
            Expression.Call(FormulaMath.CheckUpperBoundMethod, to),
            Expression.Loop(
                Expression.Block(
                    Expression.IfThen(Expression.Not(Expression.LessThanOrEqual(i, to)), Expression.Break(done)),
                    reduction.IsProduct ? Expression.MultiplyAssign(accumulator, body) : Expression.AddAssign(accumulator, body),
                    Expression.PreIncrementAssign(i)),
                done),
            accumulator);
    }
}
