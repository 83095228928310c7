using System.Globalization;
using System.Text;

namespace Palisade.Core.Tests.Conformance;

/// <summary>
/// A small JSON reader for the WPT conformance files. Unlike System.Text.Json it keeps lone surrogates that
/// <c>\uD800</c>-style escapes spell, because several IdnaTestV2 inputs consist of exactly such code units.
/// Objects become dictionaries, arrays lists, numbers doubles.
/// </summary>
internal sealed class LooseJson
{
    private readonly string _text;
    private int _at;

    private LooseJson(string text) => _text = text;

    public static object? Parse(string text)
    {
        var reader = new LooseJson(text);
        object? value = reader.ReadValue();
        reader.SkipWhitespace();
        if (reader._at != text.Length)
        {
            throw new FormatException($"trailing data at offset {reader._at}");
        }

        return value;
    }

    private object? ReadValue()
    {
        SkipWhitespace();
        char c = _text[_at];
        switch (c)
        {
            case '{':
                var obj = new Dictionary<string, object?>(StringComparer.Ordinal);
                _at++;
                SkipWhitespace();
                if (_text[_at] == '}')
                {
                    _at++;
                    return obj;
                }

                while (true)
                {
                    SkipWhitespace();
                    string key = ReadString();
                    SkipWhitespace();
                    Expect(':');
                    obj[key] = ReadValue();
                    SkipWhitespace();
                    if (_text[_at] == ',')
                    {
                        _at++;
                        continue;
                    }

                    Expect('}');
                    return obj;
                }

            case '[':
                var list = new List<object?>();
                _at++;
                SkipWhitespace();
                if (_text[_at] == ']')
                {
                    _at++;
                    return list;
                }

                while (true)
                {
                    list.Add(ReadValue());
                    SkipWhitespace();
                    if (_text[_at] == ',')
                    {
                        _at++;
                        continue;
                    }

                    Expect(']');
                    return list;
                }

            case '"':
                return ReadString();
            case 't':
                ExpectWord("true");
                return true;
            case 'f':
                ExpectWord("false");
                return false;
            case 'n':
                ExpectWord("null");
                return null;
            default:
                int start = _at;
                while (_at < _text.Length && "+-0123456789.eE".Contains(_text[_at], StringComparison.Ordinal))
                {
                    _at++;
                }

                return double.Parse(_text.AsSpan(start, _at - start), CultureInfo.InvariantCulture);
        }
    }

    private string ReadString()
    {
        Expect('"');
        var sb = new StringBuilder();
        while (true)
        {
            char c = _text[_at++];
            if (c == '"')
            {
                return sb.ToString();
            }

            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }

            char e = _text[_at++];
            sb.Append(e switch
            {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                'b' => '\b',
                'f' => '\f',
                'u' => (char)int.Parse(_text.AsSpan(_at, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                _ => e,
            });
            if (e == 'u')
            {
                _at += 4;
            }
        }
    }

    private void SkipWhitespace()
    {
        while (_at < _text.Length && char.IsWhiteSpace(_text[_at]))
        {
            _at++;
        }
    }

    private void Expect(char c)
    {
        if (_text[_at] != c)
        {
            throw new FormatException($"expected '{c}' at offset {_at}");
        }

        _at++;
    }

    private void ExpectWord(string word)
    {
        if (string.CompareOrdinal(_text, _at, word, 0, word.Length) != 0)
        {
            throw new FormatException($"expected {word} at offset {_at}");
        }

        _at += word.Length;
    }
}
