package dev.tuneup.contract;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The small JSON codec of the trainer contract: objects become {@link LinkedHashMap}, arrays {@link
 * List}, numbers {@link Long} or {@link Double}. The contract module has no dependencies, so every
 * trainer runtime and the control plane read events the same way. {@code NaN} and {@code Infinity}
 * are read and written bare, as Python's {@code json} module does for a diverging loss.
 */
public final class Json {
  private Json() {}

  /** Parses one JSON value; throws {@link IllegalArgumentException} naming the offset at fault. */
  public static Object parse(String text) {
    Reader r = new Reader(text);
    r.ws();
    Object v = r.value();
    r.ws();
    if (r.pos != text.length()) {
      throw r.fail("trailing characters");
    }
    return v;
  }

  /** Writes a value made of maps, lists, strings, numbers, booleans and nulls. */
  public static String write(Object value) {
    StringBuilder sb = new StringBuilder();
    write(sb, value);
    return sb.toString();
  }

  private static void write(StringBuilder sb, Object v) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof String s) {
      quote(sb, s);
    } else if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      sb.append(
          Double.isNaN(d)
              ? "NaN"
              : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity") : Double.toString(d));
    } else if (v instanceof Number || v instanceof Boolean) {
      sb.append(v);
    } else if (v instanceof Map<?, ?> m) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        quote(sb, String.valueOf(e.getKey()));
        sb.append(':');
        write(sb, e.getValue());
      }
      sb.append('}');
    } else if (v instanceof Iterable<?> it) {
      sb.append('[');
      boolean first = true;
      for (Object o : it) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        write(sb, o);
      }
      sb.append(']');
    } else {
      quote(sb, v.toString());
    }
  }

  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  private static final class Reader {
    private final String s;
    private int pos;

    Reader(String s) {
      this.s = s;
    }

    IllegalArgumentException fail(String what) {
      return new IllegalArgumentException("invalid JSON at offset " + pos + ": " + what);
    }

    void ws() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
    }

    Object value() {
      if (pos >= s.length()) {
        throw fail("unexpected end");
      }
      char c = s.charAt(pos);
      return switch (c) {
        case '{' -> object();
        case '[' -> array();
        case '"' -> string();
        case 't' -> literal("true", Boolean.TRUE);
        case 'f' -> literal("false", Boolean.FALSE);
        case 'n' -> literal("null", null);
        case 'N' -> literal("NaN", Double.NaN);
        case 'I' -> literal("Infinity", Double.POSITIVE_INFINITY);
        default -> number();
      };
    }

    private Object literal(String word, Object v) {
      if (!s.startsWith(word, pos)) {
        throw fail("expected " + word);
      }
      pos += word.length();
      return v;
    }

    private Map<String, Object> object() {
      Map<String, Object> m = new LinkedHashMap<>();
      pos++;
      ws();
      if (peek('}')) {
        pos++;
        return m;
      }
      while (true) {
        ws();
        if (!peek('"')) {
          throw fail("expected a key");
        }
        String k = string();
        ws();
        expect(':');
        ws();
        m.put(k, value());
        ws();
        if (peek(',')) {
          pos++;
        } else {
          expect('}');
          return m;
        }
      }
    }

    private List<Object> array() {
      List<Object> l = new ArrayList<>();
      pos++;
      ws();
      if (peek(']')) {
        pos++;
        return l;
      }
      while (true) {
        ws();
        l.add(value());
        ws();
        if (peek(',')) {
          pos++;
        } else {
          expect(']');
          return l;
        }
      }
    }

    private String string() {
      pos++;
      StringBuilder sb = new StringBuilder();
      while (true) {
        if (pos >= s.length()) {
          throw fail("unterminated string");
        }
        char c = s.charAt(pos++);
        if (c == '"') {
          return sb.toString();
        }
        if (c != '\\') {
          sb.append(c);
          continue;
        }
        if (pos >= s.length()) {
          throw fail("unterminated escape");
        }
        char e = s.charAt(pos++);
        switch (e) {
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'u' -> {
            if (pos + 4 > s.length()) {
              throw fail("short \\u escape");
            }
            try {
              sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
            } catch (NumberFormatException ex) {
              throw fail("bad \\u escape");
            }
            pos += 4;
          }
          default -> sb.append(e);
        }
      }
    }

    private Number number() {
      int start = pos;
      if (peek('-')) {
        pos++;
        if (s.startsWith("Infinity", pos)) {
          pos += 8;
          return Double.NEGATIVE_INFINITY;
        }
      }
      boolean real = false;
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c >= '0' && c <= '9' || c == '+' || c == '-') {
          pos++;
        } else if (c == '.' || c == 'e' || c == 'E') {
          real = true;
          pos++;
        } else {
          break;
        }
      }
      String t = s.substring(start, pos);
      if (t.isEmpty() || t.equals("-")) {
        throw fail("unexpected character");
      }
      try {
        if (!real) {
          try {
            return Long.parseLong(t);
          } catch (NumberFormatException big) {
            return Double.parseDouble(t);
          }
        }
        return Double.parseDouble(t);
      } catch (NumberFormatException e) {
        throw fail("bad number " + t);
      }
    }

    private boolean peek(char c) {
      return pos < s.length() && s.charAt(pos) == c;
    }

    private void expect(char c) {
      if (!peek(c)) {
        throw fail("expected '" + c + "'");
      }
      pos++;
    }
  }
}
