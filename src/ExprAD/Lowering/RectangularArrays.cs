using System.Linq.Expressions;
using ExprAD.Diagnostics;

namespace ExprAD.Lowering;

/// <summary>
/// Local rectangular arrays (<c>var u = new double[n, m]</c>: a grid, a matrix) become one-dimensional arrays in row-major
/// order, which the rest of ExprAD knows: <c>u[i, j]</c> reads and writes element <c>i m + j</c>, <c>u.GetLength(0)</c> is n,
/// <c>u.GetLength(1)</c> is m, <c>u.Length</c> is n m. An index out of range still throws IndexOutOfRangeException: a column
/// outside [0, m) is sent to index -1, and a row outside [0, n) lands outside [0, n m) by itself.
/// </summary>
/// <remarks>
/// Only where that keeps the meaning: the variable is declared in a block, assigned once with <c>new double[n, m]</c>, and
/// used only through the element accesses, GetLength, Length and Rank above (not passed to a method, copied to another
/// variable or returned), and n and m are constants or array lengths, or sums and products of those, reading no variable the
/// function assigns (so they can be read again at every access). Anything else is left as it is, and the translator refuses
/// it with its message about rectangular local arrays.
/// </remarks>
internal sealed class RectangularArrays(Dictionary<ParameterExpression, RectangularArrays.Flat> flattened, Sharing.Budget budget) : BudgetedVisitor(budget)
{
    public static Expression Flatten(Expression body)
    {
        // Most trees create no rectangular array; a tree that shares so many nodes that walking it path by path runs out of
        // its budget is left as it is (see Sharing).
        if (!Sharing.Finds(body, node => node is NewArrayExpression { NodeType: ExpressionType.NewArrayBounds, Expressions.Count: 2 }, out var budget))
            return body;
        var scan = new Scan(budget);
        try
        {
            scan.Visit(body);
        }
        catch (Sharing.Exhausted)
        {
            return body;
        }
        var flattened = scan.Candidates
            .Where(c => scan.Assignments.GetValueOrDefault(c.Key) == 1 && !scan.OtherUses.Contains(c.Key) && scan.Declarations.GetValueOrDefault(c.Key) == 1)
            .Where(c => c.Value.Expressions.All(dimension => scan.IsFixedLength(dimension, scan.Assignments.ContainsKey)))
            .ToDictionary(c => c.Key, c => new Flat(Expression.Variable(typeof(double[]), c.Key.Name), c.Value.Expressions[0], c.Value.Expressions[1]),
                (IEqualityComparer<ParameterExpression>)ReferenceEqualityComparer.Instance);
        if (flattened.Count == 0) return body;
        try
        {
            return new RectangularArrays(flattened, budget).Visit(body)!;
        }
        catch (Sharing.Exhausted)
        {
            return body;
        }
    }

    /// <summary>The one-dimensional array standing for a rectangular one, and its two dimensions.</summary>
    internal sealed record Flat(ParameterExpression Array, Expression Rows, Expression Columns);

    private bool IsFlattened(Expression? node, out Flat flat)
    {
        flat = null!;
        return node is ParameterExpression variable && flattened.TryGetValue(variable, out flat!);
    }

    protected override Expression VisitBlock(BlockExpression node)
    {
        var expressions = node.Expressions.Select(e => Visit(e)!).ToList();
        var variables = node.Variables.Select(v => flattened.TryGetValue(v, out var flat) ? flat.Array : v);
        return Expression.Block(node.Type, variables, expressions);
    }

    protected override Expression VisitBinary(BinaryExpression node)
    {
        if (node.NodeType == ExpressionType.Assign && IsFlattened(node.Left, out var created))
            return Expression.Assign(created.Array, Expression.NewArrayBounds(typeof(double), Expression.Multiply(created.Rows, created.Columns)));
        return base.VisitBinary(node);
    }

    protected override Expression VisitIndex(IndexExpression node)
    {
        if (node.Indexer is null && IsFlattened(node.Object, out var flat))
            return Expression.ArrayAccess(flat.Array, Element(flat, Visit(node.Arguments[0])!, Visit(node.Arguments[1])!));
        return base.VisitIndex(node);
    }

    protected override Expression VisitMethodCall(MethodCallExpression node)
    {
        if (!IsFlattened(node.Object, out var flat)) return base.VisitMethodCall(node);
        if (node.Method.Name == "Get") return Expression.ArrayIndex(flat.Array, Element(flat, Visit(node.Arguments[0])!, Visit(node.Arguments[1])!));
        // GetLength(0) or GetLength(1) (a constant dimension: Scan let nothing else through).
        return (int)((ConstantExpression)node.Arguments[0]).Value! == 0 ? flat.Rows : flat.Columns;
    }

    protected override Expression VisitMember(MemberExpression node)
    {
        if (!IsFlattened(node.Expression, out var flat)) return base.VisitMember(node);
        return node.Member.Name == nameof(Array.Rank) ? Expression.Constant(2) : Expression.Multiply(flat.Rows, flat.Columns);
    }

    /// <summary>
    /// <c>i m + j</c>, or -1 when j is outside [0, m) (the one-dimensional array then throws, as the rectangular one would); an
    /// index that is not a variable or a constant is evaluated once, into a variable of its own.
    /// </summary>
    private static Expression Element(Flat flat, Expression row, Expression column)
    {
        var temporaries = new List<ParameterExpression>();
        var assignments = new List<Expression>();
        Expression Once(Expression index)
        {
            if (index is ParameterExpression or ConstantExpression) return index;
            var temporary = Expression.Variable(typeof(int), "index");
            temporaries.Add(temporary);
            assignments.Add(Expression.Assign(temporary, index));
            return temporary;
        }
        var i = Once(row);
        var j = Once(column);
        var element = Expression.Add(Expression.Multiply(i, flat.Columns), j);
        Expression checkedElement = j is ConstantExpression { Value: int c } && flat.Columns is ConstantExpression { Value: int m } && c >= 0 && c < m
            ? element
            : Expression.Condition(Expression.GreaterThanOrEqual(j, Expression.Constant(0)),
                Expression.Condition(Expression.LessThan(j, flat.Columns), element, Expression.Constant(-1)),
                Expression.Constant(-1));
        return temporaries.Count == 0 ? checkedElement : Expression.Block(typeof(int), temporaries, [.. assignments, checkedElement]);
    }

    /// <summary>The rectangular local arrays created with new double[n, m], how often each variable is declared and assigned, and which have other uses.</summary>
    private sealed class Scan(Sharing.Budget budget) : VariableScan(budget)
    {
        public readonly Dictionary<ParameterExpression, NewArrayExpression> Candidates = new(ReferenceEqualityComparer.Instance);
        public readonly HashSet<ParameterExpression> OtherUses = new(ReferenceEqualityComparer.Instance);

        private static bool IsRectangular(Expression? node) => node is ParameterExpression { Type: var type } && type == typeof(double[,]);

        protected override Expression VisitBinary(BinaryExpression node)
        {
            if (node is not { NodeType: ExpressionType.Assign, Left: ParameterExpression variable } || !IsRectangular(variable)) return base.VisitBinary(node);
            CountAssignment(node);
            if (node.Right is NewArrayExpression { NodeType: ExpressionType.NewArrayBounds, Expressions.Count: 2 } created) Candidates[variable] = created;
            else OtherUses.Add(variable);
            Visit(node.Right);
            return node;
        }

        protected override Expression VisitIndex(IndexExpression node)
        {
            if (IsRectangular(node.Object) && node.Indexer is null)
            {
                Visit(node.Arguments);
                return node;
            }
            return base.VisitIndex(node);
        }

        protected override Expression VisitMethodCall(MethodCallExpression node)
        {
            var onRectangular = IsRectangular(node.Object);
            if (onRectangular && node.Method.Name == "Get" && node.Arguments.Count == 2
                || onRectangular && node.Method.Name == nameof(Array.GetLength) && node.Arguments[0] is ConstantExpression { Value: 0 or 1 })
            {
                Visit(node.Arguments);
                return node;
            }
            return base.VisitMethodCall(node);
        }

        protected override Expression VisitMember(MemberExpression node)
        {
            if (IsRectangular(node.Expression) && node.Member.Name is nameof(Array.Length) or nameof(Array.Rank)) return node;
            return base.VisitMember(node);
        }

        protected override Expression VisitParameter(ParameterExpression node)
        {
            // Reached only by uses not recognised above: the array passed, copied or returned.
            if (IsRectangular(node)) OtherUses.Add(node);
            return node;
        }
    }
}
