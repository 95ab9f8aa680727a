using System.Linq.Expressions;
using ExprAD.Diagnostics;

namespace ExprAD.Lowering;

/// <summary>
/// Arrays created inside loops, the way C# code makes a fresh scratch array per iteration:
/// <c>for (...) { var h = new double[k]; ... }</c>. Where the array's variable is declared in a block inside the loop and
/// assigned only there, once, and the length is the same in every iteration and cannot be negative, the array is
/// created once, before the outermost loop, and cleared where the loop created it (an initializer <c>new[] { a, b }</c>
/// stores its elements there instead). Every iteration sees the same values as with a fresh array; the function
/// allocates once, and the reverse sweep sees a scratch array refilled by each iteration (<c>ScratchArrays</c>).
/// Other arrays created in loops are left for the translator to refuse, with its message.
/// </summary>
/// <remarks>
/// A length qualifies when it is a constant, the length of an array, or sums and products of those, and reads no
/// variable the loop declares or assigns: then it is the same in every iteration, and evaluating it before the loop
/// gives the same number (and cannot throw where the loop would not have: it is not negative).
/// </remarks>
internal sealed class LoopArrayHoisting(Sharing.Budget budget) : BudgetedVisitor(budget)
{
    public static Expression Run(Expression body)
    {
        if (!Sharing.Finds(body, node => node is LoopExpression loop && ArrayInLoop.Finds(loop.Body), out var budget)) return body;
        try
        {
            return new LoopArrayHoisting(budget).Visit(body)!;
        }
        catch (Sharing.Exhausted)
        {
            return body; // too many shared nodes to walk path by path (see Sharing): arrays in loops stay refused
        }
    }

    private static readonly System.Reflection.MethodInfo ClearArray = typeof(Array).GetMethod(nameof(Array.Clear), [typeof(Array)])!;

    /// <summary>An array created in a loop, to be created before it: where, and the variable that takes its place.</summary>
    private sealed record Site(BinaryExpression Creation, ParameterExpression Variable, NewArrayExpression Array, ParameterExpression Hoisted);

    // Each node object is rewritten once and every use of it gets the result: a tree that shares nodes (a DAG) would
    // otherwise be walked path by path, past the budget, and its arrays left in place.
    private RewriteOnce? _once;

    public override Expression? Visit(Expression? node) => (_once ??= new RewriteOnce(base.Visit)).Visit(node);

    protected override Expression VisitLoop(LoopExpression node)
    {
        // The outermost loop: every creation inside it, at any depth, moves in front of it.
        var sites = SitesIn(node);
        if (sites.Count == 0) return node;
        var rewritten = (LoopExpression)new Rewriter(sites, Budget).Visit(node)!;
        var before = sites.Select(s => (Expression)Expression.Assign(s.Hoisted, Expression.NewArrayBounds(typeof(double), Length(s.Array))));
        return Expression.Block(typeof(void), sites.Select(s => s.Hoisted), [.. before, rewritten]);
    }

    protected override Expression VisitLambda<T>(Expression<T> node) => node; // a nested lambda's loops are its own

    private static Expression Length(NewArrayExpression array)
        => array.NodeType == ExpressionType.NewArrayBounds ? array.Expressions[0] : Expression.Constant(array.Expressions.Count);

    private List<Site> SitesIn(LoopExpression loop)
    {
        var scan = new Scan(Budget);
        scan.Visit(loop.Body);
        var sites = new List<Site>();
        // One creation node may stand in several blocks that declare its variable: a tree that used one statement twice,
        // copied into two blocks by a lowering that rewrote around it. They run one after the other; one hoisted array serves all.
        foreach (var group in scan.Creations.GroupBy(c => c.Statement, ByReference<Expression>()))
        {
            var blocks = group.Select(c => c.Block).ToList();
            if (group.Key is not BinaryExpression { Left: ParameterExpression variable, Right: NewArrayExpression array } creation
                || array.Type != typeof(double[]) || blocks.Any(block => !block.Variables.Contains(variable))
                || scan.Declarations.GetValueOrDefault(variable) != blocks.Count || scan.Assignments.GetValueOrDefault(variable) != 1
                || array.NodeType == ExpressionType.NewArrayBounds
                   && !scan.IsFixedLength(array.Expressions[0], v => scan.Declarations.ContainsKey(v) || scan.Assignments.ContainsKey(v)))
                continue;
            sites.Add(new Site(creation, variable, array, Expression.Variable(typeof(double[]), variable.Name)));
        }
        return sites;
    }

    /// <summary>
    /// The creations <c>v = new double[...]</c> that are statements of a block (not its value), and every declaration and
    /// assignment of a variable in the loop. Each node is counted once: a statement used in two places (a switch whose
    /// default and a case share a body) declares its array in one block, which one hoisted array serves in both places.
    /// </summary>
    private sealed class Scan(Sharing.Budget budget) : VariableScan(budget)
    {
        public readonly List<(BlockExpression Block, Expression Statement)> Creations = [];

        private readonly HashSet<Expression> _seen = new(ReferenceEqualityComparer.Instance);

        public override Expression? Visit(Expression? node) => node is null || !_seen.Add(node) ? node : base.Visit(node);

        protected override Expression VisitBlock(BlockExpression node)
        {
            var statements = (node.Type == typeof(void) ? node.Expressions : node.Expressions.Take(node.Expressions.Count - 1)).ToList();
            // Statements before a creation are read only in blocks that have one: walking every block's statements again
            // would cost the nesting depth per node, which flag-lowered jumps in deep nests make large enough to exhaust the budget.
            var last = statements.FindLastIndex(IsCreation);
            var earlier = new VariableReads(Budget);
            for (var i = 0; i <= last; i++)
            {
                // Only a creation before any use of its variable in the block: a read before it would see no array at all.
                if (IsCreation(statements[i]) && !earlier.Variables.Contains((ParameterExpression)((BinaryExpression)statements[i]).Left))
                    Creations.Add((node, statements[i]));
                if (i < last) earlier.Visit(statements[i]);
            }
            return base.VisitBlock(node);
        }

        protected override Expression VisitLambda<T>(Expression<T> node) => node;

        private static bool IsCreation(Expression statement)
            => statement is BinaryExpression { NodeType: ExpressionType.Assign, Left: ParameterExpression, Right: NewArrayExpression };
    }

    /// <summary>Whether an array is created in a loop's body (each node looked at once).</summary>
    private sealed class ArrayInLoop : GuardedExpressionVisitor
    {
        private readonly HashSet<Expression> _seen = new(ReferenceEqualityComparer.Instance);
        private bool _found;

        public static bool Finds(Expression node)
        {
            var finder = new ArrayInLoop();
            finder.Visit(node);
            return finder._found;
        }

        public override Expression? Visit(Expression? node)
        {
            if (node is null || _found || !_seen.Add(node)) return node;
            if (node is NewArrayExpression) _found = true;
            return base.Visit(node);
        }

        protected override Expression VisitLambda<T>(Expression<T> node) => node;
    }

    private static IEqualityComparer<T> ByReference<T>() where T : class => ReferenceEqualityComparer.Instance;

    /// <summary>Replaces each creation by a clear (or the initializer's stores) of the hoisted array, and the variable by it.</summary>
    private sealed class Rewriter(List<Site> sites, Sharing.Budget budget) : BudgetedVisitor(budget)
    {
        // As the pass itself: each node once (its rewrite depends on the node alone), so a DAG stays a DAG.
        private RewriteOnce? _once;

        public override Expression? Visit(Expression? node) => (_once ??= new RewriteOnce(base.Visit)).Visit(node);

        private readonly Dictionary<ParameterExpression, Site> _byVariable = sites.ToDictionary(s => s.Variable, s => s, ByReference<ParameterExpression>());
        private readonly Dictionary<BinaryExpression, Site> _byCreation = sites.ToDictionary(s => s.Creation, s => s, ByReference<BinaryExpression>());

        protected override Expression VisitParameter(ParameterExpression node) => _byVariable.TryGetValue(node, out var site) ? site.Hoisted : node;

        protected override Expression VisitBlock(BlockExpression node)
        {
            var expressions = node.Expressions.Select(e => Visit(e)!).ToList();
            return Expression.Block(node.Type, node.Variables.Where(v => !_byVariable.ContainsKey(v)), expressions);
        }

        protected override Expression VisitBinary(BinaryExpression node)
        {
            if (!_byCreation.TryGetValue(node, out var site)) return base.VisitBinary(node);
            if (site.Array.NodeType == ExpressionType.NewArrayBounds) return Expression.Call(ClearArray, site.Hoisted);
            var stores = site.Array.Expressions.Select((item, i) =>
                (Expression)Expression.Assign(Expression.ArrayAccess(site.Hoisted, Expression.Constant(i)), Visit(item)!)).ToList();
            return stores.Count == 0 ? Expression.Empty() : Expression.Block(typeof(void), stores);
        }
    }
}
