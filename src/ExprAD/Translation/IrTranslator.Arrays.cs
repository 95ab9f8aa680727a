using System.Linq.Expressions;
using ExprAD.Diagnostics;
using ExprAD.Ir;

namespace ExprAD.Translation;

/// <summary>
/// Local arrays: <c>new double[n]</c> (or an initializer) created outside loops, element writes, element
/// reads. Their elements carry derivatives like variables do; the reverse sweep gives each array an
/// adjoint array. Arrays the function did not create (x, captured data) stay read-only.
/// </summary>
internal sealed partial class IrTranslator
{
    private Value NewLocalArray(NewArrayExpression node, string? name)
    {
        if (node.Type != typeof(double[]))
            throw Errors.UnsupportedNode(node, "Only one-dimensional double arrays can be created inside a differentiated function.");
        if (_loop is not null)
            throw Errors.UnsupportedNode(node, "Create local arrays before the loop that fills them, not inside a loop.");
        name ??= "array";
        if (node.NodeType == ExpressionType.NewArrayBounds)
            return _builder.NewArray(Required(node.Expressions[0]), active: true, name);

        var array = _builder.NewArray(_builder.Constant(node.Expressions.Count, typeof(int)), active: true, name);
        for (var i = 0; i < node.Expressions.Count; i++)
            Store(array, _builder.Constant(i, typeof(int)), Required(node.Expressions[i]));
        return array;
    }

    /// <summary><c>a[i] = value</c>: only arrays created by the function itself can be written.</summary>
    private Value AssignElement(BinaryExpression node, IndexExpression target)
    {
        var array = Required(target.Object!);
        if (!IrBuilder.IsLocalArray(array) || target.Arguments.Count != 1 || target.Indexer is not null)
            throw Errors.UnsupportedNode(node,
                "Only elements of double arrays created inside the function (new double[n]) can be assigned; x and captured arrays are read-only.");
        var index = Required(target.Arguments[0]);
        var value = Required(node.Right);
        Store(array, index, value);
        return value;
    }

    private void Store(Value array, Value index, Value value)
    {
        _builder.Current.Instructions.Add(new StoreElementInstr(array, index, value));
        _generation++; // memoized reads of elements are stale now
    }

    /// <summary><c>a[i]</c>: a load when the function created the array (its elements may change), else a pure read.</summary>
    private Value ReadElement(Value array, Value[] indices)
        => IrBuilder.IsLocalArray(array) ? _builder.LoadElement(array, indices[0]) : _builder.ArrayIndex(array, indices);

    /// <summary>
    /// The gradient tree of <see cref="AD.GradientExpression"/> starts by checking its arguments and zeroing
    /// the gradient array; when that tree is differentiated again, the gradient is a local array and the
    /// check is just the zeroing (as is Array.Clear, which clears adjoint arrays in such trees). A tree whose
    /// loop writes every entry itself only checks (<see cref="ArgumentChecks.ForGradient"/>): nothing to do.
    /// </summary>
    private static readonly System.Reflection.MethodInfo ZeroGradient = typeof(ArgumentChecks).GetMethod(nameof(ArgumentChecks.ForGradientAndZero))!;
    private static readonly System.Reflection.MethodInfo CheckGradient = typeof(ArgumentChecks).GetMethod(nameof(ArgumentChecks.ForGradient))!;
    private static readonly System.Reflection.MethodInfo ClearArray = typeof(Array).GetMethod(nameof(Array.Clear), [typeof(Array)])!;
    // What ExprAD's own trees call to clear arrays (see ScalarMemory), so that they can be differentiated again.
    private static readonly System.Reflection.MethodInfo ScalarClear = typeof(Compilation.ScalarMemory).GetMethod(nameof(Compilation.ScalarMemory.Clear))!;

    private bool TryTranslateArgumentCheck(MethodCallExpression node, List<Value> args)
    {
        if (node.Method == CheckGradient && IrBuilder.IsLocalArray(args[1])) return true;
        var cleared = node.Method == ZeroGradient ? args[1] : node.Method == ClearArray || node.Method == ScalarClear ? args[0] : null;
        if (cleared is null || !IrBuilder.IsLocalArray(cleared)) return false;
        _builder.Current.Instructions.Add(new ClearArrayInstr(cleared));
        _generation++;
        return true;
    }
}
