using System.Text;

namespace ExprAD.Printing;

/// <summary>
/// Indented text output with a length limit. Once the limit is reached it appends <c>...</c> and ignores all
/// further writes, so quoting a huge tree in an error message costs only as much as the part that is shown.
/// </summary>
internal sealed class BoundedWriter
{
    private const string Ellipsis = "...";
    private const int IndentWidth = 4;

    private readonly StringBuilder _text = new();
    private readonly int _maxLength;
    private int _indentLevel;
    private bool _atLineStart = true;

    public BoundedWriter(int maxLength) => _maxLength = maxLength;

    /// <summary>True once the limit was hit; callers check it to stop walking the tree early.</summary>
    public bool IsFull { get; private set; }

    public void Indent() => _indentLevel++;

    public void Unindent() => _indentLevel--;

    public void Write(string text)
    {
        if (IsFull || text.Length == 0)
        {
            return;
        }

        if (_atLineStart)
        {
            _atLineStart = false;
            AppendIndentation();
            if (IsFull)
            {
                return;
            }
        }

        Append(text);
    }

    public void WriteLine()
    {
        if (IsFull)
        {
            return;
        }

        Append("\n");
        _atLineStart = true;
    }

    /// <summary>Drops a final newline left by statement printing, so top-level output does not end in a blank line.</summary>
    public void TrimTrailingNewLine()
    {
        if (!IsFull && _text.Length > 0 && _text[^1] == '\n')
        {
            _text.Length--;
        }
    }

    public override string ToString() => _text.ToString();

    private void AppendIndentation()
    {
        int spaces = _indentLevel * IndentWidth;
        int room = _maxLength - _text.Length;
        if (spaces <= room)
        {
            _text.Append(' ', spaces);
            return;
        }

        _text.Append(' ', room).Append(Ellipsis);
        IsFull = true;
    }

    private void Append(string text)
    {
        int room = _maxLength - _text.Length;
        if (text.Length <= room)
        {
            _text.Append(text);
            return;
        }

        _text.Append(text, 0, room).Append(Ellipsis);
        IsFull = true;
    }
}
