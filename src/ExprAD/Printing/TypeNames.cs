using System.Runtime.CompilerServices;
using System.Text;

namespace ExprAD.Printing;

/// <summary>Short C# spellings of types: keywords for built-ins, no namespaces, <c>T?</c>, <c>List&lt;T&gt;</c>.</summary>
internal static class TypeNames
{
    private static readonly Dictionary<Type, string> Keywords = new()
    {
        [typeof(bool)] = "bool",
        [typeof(byte)] = "byte",
        [typeof(sbyte)] = "sbyte",
        [typeof(char)] = "char",
        [typeof(short)] = "short",
        [typeof(ushort)] = "ushort",
        [typeof(int)] = "int",
        [typeof(uint)] = "uint",
        [typeof(long)] = "long",
        [typeof(ulong)] = "ulong",
        [typeof(nint)] = "nint",
        [typeof(nuint)] = "nuint",
        [typeof(float)] = "float",
        [typeof(double)] = "double",
        [typeof(decimal)] = "decimal",
        [typeof(string)] = "string",
        [typeof(object)] = "object",
        [typeof(void)] = "void",
    };

    public static string Of(Type type)
    {
        var text = new StringBuilder();
        Append(text, type);
        return text.ToString();
    }

    /// <summary>
    /// Splits an array type into its innermost element type and the rank brackets in C# reading order:
    /// a 2-D array of <c>int[]</c> is <c>int</c> with <c>[,]</c> then <c>[]</c>, written <c>int[,][]</c>.
    /// </summary>
    public static (Type Element, List<string> RankSuffixes) SplitArray(Type type)
    {
        var suffixes = new List<string>();
        while (type.IsArray)
        {
            suffixes.Add("[" + new string(',', type.GetArrayRank() - 1) + "]");
            type = type.GetElementType()!;
        }

        return (type, suffixes);
    }

    /// <summary>Closure classes hold the locals a C# lambda captured; the printer shows their fields as plain names.</summary>
    public static bool IsClosure(Type type)
        => type.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false) && !IsAnonymous(type);

    public static bool IsAnonymous(Type type)
        => type.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false) && type.Name.Contains("AnonymousType", StringComparison.Ordinal);

    private static void Append(StringBuilder text, Type type)
    {
        if (Keywords.TryGetValue(type, out var keyword))
        {
            text.Append(keyword);
            return;
        }

        if (type.IsArray)
        {
            var (element, suffixes) = SplitArray(type);
            Append(text, element);
            foreach (var suffix in suffixes)
            {
                text.Append(suffix);
            }

            return;
        }

        if (type.IsByRef || type.IsPointer)
        {
            Append(text, type.GetElementType()!);
            if (type.IsPointer)
            {
                text.Append('*');
            }

            return;
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            Append(text, underlying);
            text.Append('?');
            return;
        }

        if (type.IsNested && !type.IsGenericParameter && type.DeclaringType is { } declaring)
        {
            text.Append(StripArity(declaring.Name)).Append('.');
        }

        text.Append(StripArity(type.Name));
        if (type.IsGenericType)
        {
            text.Append('<');
            var arguments = type.GetGenericArguments();
            for (int i = 0; i < arguments.Length; i++)
            {
                if (i > 0)
                {
                    text.Append(", ");
                }

                Append(text, arguments[i]);
            }

            text.Append('>');
        }
    }

    private static string StripArity(string name)
    {
        int tick = name.IndexOf('`', StringComparison.Ordinal);
        return tick < 0 ? name : name[..tick];
    }
}
