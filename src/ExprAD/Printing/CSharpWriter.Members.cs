using System.Linq.Expressions;
using System.Reflection;

namespace ExprAD.Printing;

/// <summary>Member access, calls, indexers, invocation and object/array creation.</summary>
internal sealed partial class CSharpWriter
{
    private void WriteMember(MemberExpression node)
    {
        if (node.Expression is null)
        {
            Write($"{TypeNames.Of(node.Member.DeclaringType!)}.{node.Member.Name}");
        }
        else if (IsClosureReference(node.Expression))
        {
            Write(node.Member.Name);
        }
        else
        {
            WriteOperand(node.Expression, Precedence.Primary);
            Write("." + node.Member.Name);
        }
    }

    /// <summary>
    /// True for the object a C# lambda keeps its captured locals in: a constant closure instance, or a closure
    /// reached through another closure's field (nested scopes). Members of it print as the captured names.
    /// </summary>
    private static bool IsClosureReference(Expression node)
    {
        while (true)
        {
            switch (node)
            {
                case ConstantExpression { Value: { } value }:
                    return TypeNames.IsClosure(value.GetType());
                case MemberExpression { Expression: { } owner } member when TypeNames.IsClosure(member.Type):
                    node = owner;
                    break;
                default:
                    return false;
            }
        }
    }

    private void WriteCall(MethodCallExpression node)
    {
        var method = node.Method;
        if (node.Object is { } instance && TryWriteAccessorCall(node, instance))
        {
            return;
        }

        if (node.Object is null)
        {
            if (method.IsSpecialName && method.Name.StartsWith("get_", StringComparison.Ordinal) && node.Arguments.Count == 0)
            {
                Write($"{TypeNames.Of(method.DeclaringType!)}.{method.Name[4..]}");
                return;
            }

            Write(TypeNames.Of(method.DeclaringType!) + ".");
        }
        else if (!IsClosureReference(node.Object))
        {
            WriteOperand(node.Object, Precedence.Primary);
            Write(".");
        }

        Write(method.Name);
        if (method.IsGenericMethod)
        {
            Write("<" + string.Join(", ", method.GetGenericArguments().Select(TypeNames.Of)) + ">");
        }

        Write("(");
        WriteCallArguments(node.Arguments, method.GetParameters());
        Write(")");
    }

    /// <summary>
    /// Calls that C# writes without a method name: multi-dimensional array access (<c>a[i, j]</c>, which
    /// <see cref="Expression.ArrayIndex(Expression, Expression[])"/> builds as a call), indexers and property getters.
    /// </summary>
    private bool TryWriteAccessorCall(MethodCallExpression node, Expression instance)
    {
        var method = node.Method;
        var arguments = node.Arguments;
        bool isArrayAccessor = instance.Type.IsArray && method.Name is "Get" or "Set" or "Address";
        bool isIndexerGetter = method.IsSpecialName && method.Name == "get_Item" && arguments.Count > 0;
        bool isPropertyGetter = method.IsSpecialName && method.Name.StartsWith("get_", StringComparison.Ordinal) && arguments.Count == 0;
        if (!isArrayAccessor && !isIndexerGetter && !isPropertyGetter)
        {
            return false;
        }

        if (isPropertyGetter)
        {
            WriteOperand(instance, Precedence.Primary);
            Write("." + method.Name[4..]);
            return true;
        }

        bool isSetter = isArrayAccessor && method.Name == "Set";
        IReadOnlyList<Expression> indices = isSetter ? arguments.Take(arguments.Count - 1).ToList() : arguments;
        if (isArrayAccessor && method.Name == "Address")
        {
            Write("ref ");
        }

        WriteOperand(instance, Precedence.Primary);
        Write("[");
        WriteArguments(indices);
        Write("]");
        if (isSetter)
        {
            Write(" = ");
            WriteOperand(arguments[^1], Precedence.Assignment);
        }

        return true;
    }

    private void WriteCallArguments(IReadOnlyList<Expression> arguments, ParameterInfo[] parameters)
    {
        for (int i = 0; i < arguments.Count && !_out.IsFull; i++)
        {
            if (i > 0)
            {
                Write(", ");
            }

            if (i < parameters.Length && parameters[i].ParameterType.IsByRef)
            {
                Write(parameters[i].IsOut ? "out " : parameters[i].IsIn ? "in " : "ref ");
            }

            WriteOperand(arguments[i], Precedence.Assignment);
        }
    }

    private void WriteIndex(IndexExpression node)
    {
        if (node.Object is not null)
        {
            WriteOperand(node.Object, Precedence.Primary);
        }

        Write("[");
        WriteArguments(node.Arguments);
        Write("]");
    }

    private void WriteInvocation(InvocationExpression node)
    {
        WriteOperand(node.Expression, Precedence.Primary);
        Write("(");
        WriteArguments(node.Arguments);
        Write(")");
    }

    private void WriteNew(NewExpression node)
    {
        if (TypeNames.IsAnonymous(node.Type) && node.Members is { } members)
        {
            Write("new { ");
            for (int i = 0; i < node.Arguments.Count && !_out.IsFull; i++)
            {
                Write(i > 0 ? ", " : string.Empty);
                Write(members[i].Name + " = ");
                WriteOperand(node.Arguments[i], Precedence.Assignment);
            }

            Write(" }");
            return;
        }

        Write($"new {TypeNames.Of(node.Type)}(");
        WriteCallArguments(node.Arguments, node.Constructor?.GetParameters() ?? []);
        Write(")");
    }

    private void WriteNewArray(NewArrayExpression node)
    {
        if (node.NodeType == ExpressionType.NewArrayInit)
        {
            Write($"new {TypeNames.Of(node.Type)} {{ ");
            WriteArguments(node.Expressions);
            Write(node.Expressions.Count > 0 ? " }" : "}");
            return;
        }

        // new double[n][] : the bounds go into the outermost rank brackets.
        var (element, suffixes) = TypeNames.SplitArray(node.Type);
        Write($"new {TypeNames.Of(element)}[");
        WriteArguments(node.Expressions);
        Write("]" + string.Concat(suffixes.Skip(1)));
    }

    private void WriteListInit(ListInitExpression node)
    {
        WriteConstructionHead(node.NewExpression);
        Write(" { ");
        WriteElementInits(node.Initializers);
        Write(" }");
    }

    private void WriteMemberInit(MemberInitExpression node)
    {
        WriteConstructionHead(node.NewExpression);
        Write(" { ");
        WriteBindings(node.Bindings);
        Write(" }");
    }

    /// <summary>Writes <c>new T(args)</c>, or just <c>new T</c> when an initializer follows and there are no arguments.</summary>
    private void WriteConstructionHead(NewExpression node)
    {
        if (node.Arguments.Count == 0)
        {
            Write($"new {TypeNames.Of(node.Type)}");
        }
        else
        {
            WriteNew(node);
        }
    }

    private void WriteElementInits(IReadOnlyList<ElementInit> initializers)
    {
        for (int i = 0; i < initializers.Count && !_out.IsFull; i++)
        {
            Write(i > 0 ? ", " : string.Empty);
            var arguments = initializers[i].Arguments;
            if (arguments.Count == 1)
            {
                WriteOperand(arguments[0], Precedence.Assignment);
            }
            else
            {
                Write("{ ");
                WriteArguments(arguments);
                Write(" }");
            }
        }
    }

    private void WriteBindings(IReadOnlyList<MemberBinding> bindings)
    {
        for (int i = 0; i < bindings.Count && !_out.IsFull; i++)
        {
            Write(i > 0 ? ", " : string.Empty);
            var binding = bindings[i];
            Write(binding.Member.Name + " = ");
            switch (binding)
            {
                case MemberAssignment assignment:
                    WriteOperand(assignment.Expression, Precedence.Assignment);
                    break;
                case MemberMemberBinding nested:
                    Write("{ ");
                    WriteBindings(nested.Bindings);
                    Write(" }");
                    break;
                case MemberListBinding list:
                    Write("{ ");
                    WriteElementInits(list.Initializers);
                    Write(" }");
                    break;
            }
        }
    }
}
