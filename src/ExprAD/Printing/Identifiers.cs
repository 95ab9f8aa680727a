using System.Globalization;
using System.Text;

namespace ExprAD.Printing;

/// <summary>Turns arbitrary expression-tree names into C# identifiers and escapes literal text.</summary>
internal static class Identifiers
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
        "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern",
        "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface",
        "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out", "override",
        "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short",
        "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof",
        "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
    };

    /// <summary>Returns a valid identifier for <paramref name="name"/>, or null when there is no name to keep.</summary>
    public static string? Sanitize(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        var text = new StringBuilder(name.Length + 1);
        foreach (char c in name)
        {
            text.Append(char.IsLetterOrDigit(c) || c == '_' ? c : '_');
        }

        if (char.IsDigit(text[0]))
        {
            text.Insert(0, '_');
        }

        var identifier = text.ToString();
        return Keywords.Contains(identifier) ? "@" + identifier : identifier;
    }

    public static string QuoteString(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('"');
        foreach (char c in value)
        {
            AppendEscaped(text, c, '"');
        }

        return text.Append('"').ToString();
    }

    public static string QuoteChar(char value)
    {
        var text = new StringBuilder(4).Append('\'');
        AppendEscaped(text, value, '\'');
        return text.Append('\'').ToString();
    }

    private static void AppendEscaped(StringBuilder text, char c, char quote)
    {
        switch (c)
        {
            case '\\': text.Append(@"\\"); break;
            case '\0': text.Append(@"\0"); break;
            case '\a': text.Append(@"\a"); break;
            case '\b': text.Append(@"\b"); break;
            case '\f': text.Append(@"\f"); break;
            case '\n': text.Append(@"\n"); break;
            case '\r': text.Append(@"\r"); break;
            case '\t': text.Append(@"\t"); break;
            case '\v': text.Append(@"\v"); break;
            default:
                if (c == quote)
                {
                    text.Append('\\').Append(c);
                }
                else if (char.IsControl(c) || char.IsSurrogate(c) || c is '\u2028' or '\u2029')
                {
                    text.Append(@"\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                }
                else
                {
                    text.Append(c);
                }

                break;
        }
    }
}
