package org.bgan.serve;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The small JSON dialect of TF Serving's REST API: a strict parser with a nesting limit, and
 * string helpers for writing.
 *
 * <p>Values parse to {@link LinkedHashMap} (objects, duplicate keys rejected), {@link ArrayList}
 * (arrays), {@link String}, {@link Boolean}, {@link Num} (numbers, kept as their text so that each
 * tensor dtype converts them exactly) and {@link #NULL}. Like TF Serving (RapidJSON with its
 * NaN/Inf flag), the literals {@code NaN}, {@code Infinity} and {@code -Infinity} are accepted as
 * numbers; everything else follows RFC 8259. The size limit is the caller's (the HTTP layer bounds
 * the body before it gets here).
 */
final class Json {

  /** JSON {@code null}. */
  static final Object NULL =
      new Object() {
        @Override
        public String toString() {
          return "null";
        }
      };

  /** Longest number text accepted; longer ones are rejected rather than parsed. */
  static final int MAX_NUMBER_CHARS = 400;

  private Json() {}

  /**
   * A JSON number, as written: a view of the request text (no copy per number, so a parsed body of
   * numbers stays within a few times the body's size).
   */
  static final class Num {
    private final String source;
    private final int start;
    private final int end;
    /** True when written without fraction or exponent (and not NaN/Infinity). */
    final boolean integral;

    Num(String source, int start, int end, boolean integral) {
      this.source = source;
      this.start = start;
      this.end = end;
      this.integral = integral;
    }

    Num(String text, boolean integral) {
      this(text, 0, text.length(), integral);
    }

    /** The number as written. */
    String text() {
      return source.substring(start, end);
    }

    @Override
    public String toString() {
      return text();
    }

    /** Same text (so parsed documents compare as written). */
    @Override
    public boolean equals(Object o) {
      return o instanceof Num && ((Num) o).text().equals(text());
    }

    @Override
    public int hashCode() {
      return text().hashCode();
    }
  }

  /** Malformed JSON, with the character offset where it was noticed. */
  static final class ParseException extends Exception {
    final int offset;

    ParseException(String message, int offset) {
      super(message + " at offset " + offset);
      this.offset = offset;
    }
  }

  /**
   * Parses one JSON value filling the whole text (surrounding whitespace allowed).
   *
   * @param maxDepth deepest nesting of arrays and objects accepted
   */
  static Object parse(String text, int maxDepth) throws ParseException {
    Parser p = new Parser(text, maxDepth);
    p.skipWhitespace();
    if (p.pos < text.length() && text.charAt(p.pos) == '\uFEFF') {
      p.pos++;
      p.skipWhitespace();
    }
    if (p.pos >= text.length()) {
      throw new ParseException("empty body, expected a JSON object", p.pos);
    }
    Object v = p.value(0);
    p.skipWhitespace();
    if (p.pos != text.length()) {
      throw new ParseException("unexpected text after the JSON value", p.pos);
    }
    return v;
  }

  /** Short name of a parsed value's JSON type, for error messages. */
  static String typeName(Object v) {
    if (v instanceof Map) {
      return "object";
    } else if (v instanceof List) {
      return "array";
    } else if (v instanceof String) {
      return "string";
    } else if (v instanceof Boolean) {
      return "boolean";
    } else if (v instanceof Num) {
      return "number";
    }
    return "null";
  }

  /** Appends {@code s} as a JSON string literal. */
  static StringBuilder quote(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
      }
    }
    return out.append('"');
  }

  /** {@code {"error": message}}, TF Serving's error body. */
  static String errorBody(String message) {
    return quote(new StringBuilder("{\"error\": "), message).append('}').toString();
  }

  private static final class Parser {
    private final String s;
    private final int maxDepth;
    int pos;

    Parser(String s, int maxDepth) {
      this.s = s;
      this.maxDepth = maxDepth;
    }

    void skipWhitespace() {
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
          pos++;
        } else {
          break;
        }
      }
    }

    private ParseException error(String message) {
      return new ParseException(message, pos);
    }

    Object value(int depth) throws ParseException {
      skipWhitespace();
      if (pos >= s.length()) {
        throw error("unexpected end of input (truncated JSON?)");
      }
      char c = s.charAt(pos);
      switch (c) {
        case '{':
          return object(depth + 1);
        case '[':
          return array(depth + 1);
        case '"':
          return string();
        case 't':
          literal("true");
          return Boolean.TRUE;
        case 'f':
          literal("false");
          return Boolean.FALSE;
        case 'n':
          literal("null");
          return NULL;
        case 'N':
          literal("NaN");
          return new Num("NaN", false);
        case 'I':
          literal("Infinity");
          return new Num("Infinity", false);
        default:
          if (c == '-' || (c >= '0' && c <= '9')) {
            return number();
          }
          throw error("unexpected character '" + printable(c) + "'");
      }
    }

    private static String printable(char c) {
      return c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c);
    }

    private void literal(String word) throws ParseException {
      if (!s.startsWith(word, pos)) {
        throw error("invalid literal, expected '" + word + "'");
      }
      pos += word.length();
    }

    private void checkDepth(int depth) throws ParseException {
      if (depth > maxDepth) {
        throw error("arrays/objects nested deeper than " + maxDepth + " levels");
      }
    }

    private Map<String, Object> object(int depth) throws ParseException {
      checkDepth(depth);
      pos++; // '{'
      Map<String, Object> map = new LinkedHashMap<>();
      skipWhitespace();
      if (pos < s.length() && s.charAt(pos) == '}') {
        pos++;
        return map;
      }
      while (true) {
        skipWhitespace();
        if (pos >= s.length()) {
          throw error("unexpected end of input inside an object (truncated JSON?)");
        }
        if (s.charAt(pos) != '"') {
          throw error("expected a string key in object");
        }
        int keyAt = pos;
        String key = string();
        skipWhitespace();
        if (pos >= s.length() || s.charAt(pos) != ':') {
          throw error("expected ':' after object key");
        }
        pos++;
        Object v = value(depth);
        if (map.putIfAbsent(key, v) != null) {
          throw new ParseException("duplicate key \"" + key + "\"", keyAt);
        }
        skipWhitespace();
        if (pos >= s.length()) {
          throw error("unexpected end of input inside an object (truncated JSON?)");
        }
        char c = s.charAt(pos++);
        if (c == '}') {
          return map;
        }
        if (c != ',') {
          pos--;
          throw error("expected ',' or '}' in object");
        }
      }
    }

    private List<Object> array(int depth) throws ParseException {
      checkDepth(depth);
      pos++; // '['
      List<Object> list = new ArrayList<>();
      skipWhitespace();
      if (pos < s.length() && s.charAt(pos) == ']') {
        pos++;
        return list;
      }
      while (true) {
        list.add(value(depth));
        skipWhitespace();
        if (pos >= s.length()) {
          throw error("unexpected end of input inside an array (truncated JSON?)");
        }
        char c = s.charAt(pos++);
        if (c == ']') {
          return list;
        }
        if (c != ',') {
          pos--;
          throw error("expected ',' or ']' in array");
        }
      }
    }

    private String string() throws ParseException {
      pos++; // opening quote
      StringBuilder out = null;
      int start = pos;
      while (true) {
        if (pos >= s.length()) {
          throw error("unterminated string (truncated JSON?)");
        }
        char c = s.charAt(pos);
        if (c == '"') {
          String result =
              out == null ? s.substring(start, pos) : out.append(s, start, pos).toString();
          pos++;
          return result;
        }
        if (c < 0x20) {
          throw error("control character in string");
        }
        if (c != '\\') {
          pos++;
          continue;
        }
        if (out == null) {
          out = new StringBuilder();
        }
        out.append(s, start, pos);
        pos++;
        if (pos >= s.length()) {
          throw error("unterminated string (truncated JSON?)");
        }
        char e = s.charAt(pos++);
        switch (e) {
          case '"':
          case '\\':
          case '/':
            out.append(e);
            break;
          case 'b':
            out.append('\b');
            break;
          case 'f':
            out.append('\f');
            break;
          case 'n':
            out.append('\n');
            break;
          case 'r':
            out.append('\r');
            break;
          case 't':
            out.append('\t');
            break;
          case 'u':
            if (pos + 4 > s.length()) {
              throw error("truncated \\u escape");
            }
            int code = 0;
            for (int i = 0; i < 4; i++) {
              int d = Character.digit(s.charAt(pos + i), 16);
              if (d < 0) {
                throw error("invalid \\u escape");
              }
              code = code * 16 + d;
            }
            pos += 4;
            out.append((char) code);
            break;
          default:
            pos--;
            throw error("invalid escape '\\" + printable(e) + "'");
        }
        start = pos;
      }
    }

    private Num number() throws ParseException {
      int start = pos;
      boolean integral = true;
      if (s.charAt(pos) == '-') {
        pos++;
        if (s.startsWith("Infinity", pos)) {
          pos += "Infinity".length();
          return new Num("-Infinity", false);
        }
      }
      if (pos >= s.length() || !isDigit(s.charAt(pos))) {
        throw error("invalid number");
      }
      if (s.charAt(pos) == '0') {
        pos++;
        if (pos < s.length() && isDigit(s.charAt(pos))) {
          throw error("invalid number (leading zero)");
        }
      } else {
        digits();
      }
      if (pos < s.length() && s.charAt(pos) == '.') {
        integral = false;
        pos++;
        if (pos >= s.length() || !isDigit(s.charAt(pos))) {
          throw error("invalid number (no digit after '.')");
        }
        digits();
      }
      if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
        integral = false;
        pos++;
        if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
          pos++;
        }
        if (pos >= s.length() || !isDigit(s.charAt(pos))) {
          throw error("invalid number (no digit in exponent)");
        }
        digits();
      }
      if (pos - start > MAX_NUMBER_CHARS) {
        throw new ParseException(
            "number longer than " + MAX_NUMBER_CHARS + " characters", start);
      }
      return new Num(s, start, pos, integral);
    }

    private void digits() {
      while (pos < s.length() && isDigit(s.charAt(pos))) {
        pos++;
      }
    }

    private static boolean isDigit(char c) {
      return c >= '0' && c <= '9';
    }
  }
}
