using System.Globalization;
using System.Linq.Expressions;

namespace ExprAD.Printing;

/// <summary>Literals, and placeholders for values that cannot be written inline.</summary>
internal sealed partial class CSharpWriter
{
    private void WriteConstant(ConstantExpression node) => Write(FormatConstant(node.Value));

    /// <summary>Negative literals such as <c>-2.0</c> bind like a unary minus, e.g. <c>(-2.0).ToString()</c>.</summary>
    private static bool IsNegativeLiteral(ConstantExpression node) => node.Value switch
    {
        double number => double.IsNegative(number) && double.IsFinite(number),
        float number => float.IsNegative(number) && float.IsFinite(number),
        decimal number => number < 0,
        int number => number < 0,
        long number => number < 0,
        short number => number < 0,
        sbyte number => number < 0,
        _ => false,
    };

    /// <summary>
    /// C# literal for a constant value. Doubles use round-trip formatting and always show they are doubles
    /// (<c>2.0</c>, not <c>2</c>); arrays and other objects become placeholders such as <c>&lt;double[3]&gt;</c>.
    /// </summary>
    private static string FormatConstant(object? value) => value switch
    {
        null => "null",
        bool flag => flag ? "true" : "false",
        double number => FormatDouble(number),
        float number => FormatFloat(number),
        decimal number => number.ToString(CultureInfo.InvariantCulture) + "m",
        int number => number.ToString(CultureInfo.InvariantCulture),
        long number => number.ToString(CultureInfo.InvariantCulture) + "L",
        uint number => number.ToString(CultureInfo.InvariantCulture) + "u",
        ulong number => number.ToString(CultureInfo.InvariantCulture) + "UL",
        short or ushort or byte or sbyte => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        char character => Identifiers.QuoteChar(character),
        string text => Identifiers.QuoteString(text),
        Enum enumValue => FormatEnum(enumValue),
        Type type => $"typeof({TypeNames.Of(type)})",
        Array array => FormatArrayPlaceholder(array),
        _ => TypeNames.IsClosure(value.GetType()) ? "<closure>" : $"<{TypeNames.Of(value.GetType())}>",
    };

    private static string FormatDouble(double number)
    {
        if (double.IsNaN(number))
        {
            return "double.NaN";
        }

        if (double.IsInfinity(number))
        {
            return number > 0 ? "double.PositiveInfinity" : "double.NegativeInfinity";
        }

        var text = number.ToString("R", CultureInfo.InvariantCulture);
        return LooksLikeInteger(text) ? text + ".0" : text;
    }

    private static string FormatFloat(float number)
    {
        if (float.IsNaN(number))
        {
            return "float.NaN";
        }

        if (float.IsInfinity(number))
        {
            return number > 0 ? "float.PositiveInfinity" : "float.NegativeInfinity";
        }

        return number.ToString("R", CultureInfo.InvariantCulture) + "f";
    }

    private static bool LooksLikeInteger(string text)
        => text.IndexOfAny(['.', 'E', 'e']) < 0;

    private static string FormatEnum(Enum value)
    {
        var typeName = TypeNames.Of(value.GetType());
        if (Enum.IsDefined(value.GetType(), value))
        {
            return typeName + "." + value.ToString();
        }

        var number = Convert.ChangeType(value, Enum.GetUnderlyingType(value.GetType()), CultureInfo.InvariantCulture);
        return $"({typeName}){FormatConstant(number)}";
    }

    /// <summary>Arrays show their element type and lengths, e.g. <c>&lt;double[3]&gt;</c> or <c>&lt;int[2,4][]&gt;</c>.</summary>
    private static string FormatArrayPlaceholder(Array array)
    {
        var (element, suffixes) = TypeNames.SplitArray(array.GetType());
        var lengths = new string[array.Rank];
        for (int dimension = 0; dimension < array.Rank; dimension++)
        {
            lengths[dimension] = array.GetLength(dimension).ToString(CultureInfo.InvariantCulture);
        }

        suffixes[0] = "[" + string.Join(",", lengths) + "]";
        return "<" + TypeNames.Of(element) + string.Concat(suffixes) + ">";
    }
}
