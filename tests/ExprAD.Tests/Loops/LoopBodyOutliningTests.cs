using System.Linq.Expressions;
using ExprAD.Compilation;
using ExprAD.Tests.TestSupport;

namespace ExprAD.Tests.Loops;

/// <summary>
/// <see cref="LoopBodyOutlining.Run"/> on hand-built methods: the body of a loop inside a loop becomes a call, its values
/// come back, a value carried from one iteration to the next survives the call, and a body that jumps out stays.
/// </summary>
public class LoopBodyOutliningTests
{
    private static readonly ParameterExpression Sum = Expression.Variable(typeof(double), "sum");
    private static readonly ParameterExpression Carry = Expression.Variable(typeof(double), "carry");
    private static readonly ParameterExpression Last = Expression.Variable(typeof(double), "last");
    private static readonly ParameterExpression Scratch = Expression.Variable(typeof(double), "scratch");
    private static readonly ParameterExpression I = Expression.Variable(typeof(int), "i");
    private static readonly ParameterExpression J = Expression.Variable(typeof(int), "j");
    private static readonly ParameterExpression K = Expression.Variable(typeof(int), "k");
    private static readonly LoopOutlining.Settings Everything = new(0, new Dictionary<LabelTarget, int>());

    private static Expression For(ParameterExpression counter, int end, Func<LabelTarget, IEnumerable<Expression>> body)
    {
        var done = Expression.Label(counter.Name + "Done");
        return Expression.Block(
            Expression.Assign(counter, Expression.Constant(0)),
            Expression.Loop(Expression.Block(
                new[] { Expression.IfThen(Expression.Not(Expression.LessThan(counter, Expression.Constant(end))), Expression.Break(done)) }
                    .Concat(body(done))
                    .Append(Expression.PreIncrementAssign(counter))), done));
    }

    private static Expression AsDouble(Expression value) => Expression.Convert(value, typeof(double));

    /// <summary>
    /// <c>for i &lt; 3: for j &lt; 4: { scratch = i * j; for k &lt; 2: { carry += scratch + k; sum += carry; last = scratch + k; (leave) } }</c>:
    /// scratch is the body's own (written first, used nowhere else); carry is used nowhere else either, but each call starts
    /// from the value the previous one left (0 before the first), so it must come in and go back; last is read after the loops.
    /// With <paramref name="leaveOuter"/>, the inner loop breaks out of the i loop once sum passes 20.
    /// </summary>
    private static (Expression Method, LabelTarget? Leave) Method(bool leaveOuter)
    {
        LabelTarget? iDone = null;
        var method = Expression.Block(
            Expression.Assign(Sum, Expression.Constant(0.0)),
            For(I, 3, outer =>
            {
                iDone = outer;
                return [For(J, 4, _ =>
                [
                    Expression.Assign(Scratch, AsDouble(Expression.Multiply(I, J))),
                    For(K, 2, _ =>
                    [
                        Expression.AddAssign(Carry, Expression.Add(Scratch, AsDouble(K))),
                        Expression.AddAssign(Sum, Carry),
                        Expression.Assign(Last, Expression.Add(Scratch, AsDouble(K))),
                        leaveOuter ? Expression.IfThen(Expression.GreaterThan(Sum, Expression.Constant(20.0)), Expression.Break(outer)) : Expression.Empty(),
                    ]),
                ])];
            }),
            Expression.Add(Sum, Expression.Multiply(Expression.Constant(1000.0), Last)));
        return (method, iDone);
    }

    private static double Run(Expression method)
        => Expression.Lambda<Func<double>>(Expression.Block([Sum, Carry, Last, Scratch, I, J, K], method)).Compile()();

    [Fact]
    public void TheBodyOfAnInnerLoopBecomesACallAndGivesTheSameResult()
    {
        var (method, _) = Method(leaveOuter: false);
        var split = LoopBodyOutlining.Run(method, [], Everything);
        Assert.Single(Invocations(split));
        var expected = Run(method);
        Assert.Equal(expected, Run(split));
        // The same loops in C#; last = 2 * 3 + 1.
        double sum = 0, carry = 0;
        for (var i = 0; i < 3; i++)
            for (var j = 0; j < 4; j++)
                for (var k = 0; k < 2; k++) { carry += i * j + k; sum += carry; }
        Assert.Equal(sum + 1000.0 * 7, expected);
    }

    [Fact]
    public void AValueCarriedAcrossCallsIsPassedByReference()
    {
        var (method, _) = Method(leaveOuter: false);
        var call = Assert.Single(Invocations(LoopBodyOutlining.Run(method, [], Everything)));
        var delegateType = call.Expression.Type;
        var parameters = delegateType.GetMethod("Invoke")!.GetParameters();
        var byName = call.Arguments.Select((a, i) => (((ParameterExpression)a).Name!, parameters[i].ParameterType.IsByRef)).ToDictionary();
        Assert.True(byName["carry"]);  // read before written in the body: its value comes in, and goes back
        Assert.True(byName["sum"]);
        Assert.True(byName["last"]);   // written in the body, read after the loops
        Assert.False(byName["i"]);     // only read
        Assert.False(byName["j"]);
        Assert.DoesNotContain("scratch", byName.Keys); // written first and used nowhere else: the body's own
        Assert.DoesNotContain("k", byName.Keys);       // the counter's start moved in with its loop
    }

    [Fact]
    public void ABodyThatJumpsOutOfItsLoopStaysWhereItIs()
    {
        var (method, _) = Method(leaveOuter: true);
        var split = LoopBodyOutlining.Run(method, [], Everything);
        Assert.Empty(Invocations(split));
        Assert.Equal(Run(method), Run(split));
    }

    [Fact]
    public void ABodyWithLittleWorkIsLeftByDefault()
    {
        var (method, _) = Method(leaveOuter: false);
        var defaults = new LoopOutlining.Settings(LoopOutlining.DefaultMinimumFunctionNodes, new Dictionary<LabelTarget, int>());
        Assert.Same(method, LoopBodyOutlining.Run(method, [], defaults));
    }

    private static List<InvocationExpression> Invocations(Expression tree) => [.. TreeNodes.In(tree).OfType<InvocationExpression>()];
}
