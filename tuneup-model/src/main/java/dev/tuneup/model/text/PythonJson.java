package dev.tuneup.model.text;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Writes values the way Python's {@code json.dumps(x, ensure_ascii=False, ...)} does, which is what
 * transformers binds to {@code tojson} in chat templates. Tool schemas reach the prompt through it,
 * so separators, indentation and float spelling must match byte for byte.
 */
final class PythonJson {

  private final Integer indent;
  private final String itemSeparator;
  private final String keySeparator;
  private final boolean sortKeys;

  PythonJson(Integer indent, String itemSeparator, String keySeparator, boolean sortKeys) {
    this.indent = indent;
    // Python's defaults: ", " when compact, "," when indenting (the newline separates items).
    this.itemSeparator = itemSeparator != null ? itemSeparator : (indent == null ? ", " : ",");
    this.keySeparator = keySeparator != null ? keySeparator : ": ";
    this.sortKeys = sortKeys;
  }

  String dumps(Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value, 0);
    return out.toString();
  }

  private void write(StringBuilder out, Object v, int depth) {
    if (v == null) {
      out.append("null");
    } else if (v instanceof Boolean b) {
      out.append(b ? "true" : "false");
    } else if (v instanceof Double || v instanceof Float) {
      out.append(floatRepr(((Number) v).doubleValue()));
    } else if (v instanceof BigDecimal d) {
      out.append(floatRepr(d.doubleValue()));
    } else if (v instanceof Number n) {
      out.append(n.toString());
    } else if (v instanceof Map<?, ?> map) {
      writeMap(out, map, depth);
    } else if (v instanceof Collection<?> c) {
      writeList(out, new ArrayList<>(c), depth);
    } else if (v instanceof Object[] array) {
      writeList(out, List.of(array), depth);
    } else {
      writeString(out, v.toString());
    }
  }

  private void writeMap(StringBuilder out, Map<?, ?> map, int depth) {
    if (map.isEmpty()) {
      out.append("{}");
      return;
    }
    List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
    if (sortKeys) {
      entries.sort((a, b) -> keyText(a.getKey()).compareTo(keyText(b.getKey())));
    }
    out.append('{');
    for (int i = 0; i < entries.size(); i++) {
      out.append(i == 0 ? "" : itemSeparator);
      newline(out, depth + 1);
      writeString(out, keyText(entries.get(i).getKey()));
      out.append(keySeparator);
      write(out, entries.get(i).getValue(), depth + 1);
    }
    newline(out, depth);
    out.append('}');
  }

  private void writeList(StringBuilder out, List<?> list, int depth) {
    if (list.isEmpty()) {
      out.append("[]");
      return;
    }
    out.append('[');
    for (int i = 0; i < list.size(); i++) {
      out.append(i == 0 ? "" : itemSeparator);
      newline(out, depth + 1);
      write(out, list.get(i), depth + 1);
    }
    newline(out, depth);
    out.append(']');
  }

  private void newline(StringBuilder out, int depth) {
    if (indent != null) {
      out.append('\n').append(" ".repeat(indent * depth));
    }
  }

  /** Python turns non-string keys into their JSON text: True becomes "true", 1 becomes "1". */
  private static String keyText(Object key) {
    if (key == null) {
      return "null";
    }
    if (key instanceof Double || key instanceof Float) {
      return floatRepr(((Number) key).doubleValue());
    }
    return key.toString();
  }

  private static void writeString(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  /**
   * Python's {@code repr(float)}: the shortest digits that round-trip, positional between 1e-4 and
   * 1e16, otherwise {@code 1e-05} / {@code 1.5e+16}.
   */
  static String floatRepr(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Infinity" : "-Infinity";
    }
    if (d == 0) {
      return (1 / d < 0) ? "-0.0" : "0.0";
    }
    BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
    String digits = bd.unscaledValue().abs().toString();
    int exponent = digits.length() - bd.scale() - 1;
    String sign = d < 0 ? "-" : "";
    if (exponent >= -4 && exponent < 16) {
      String plain = bd.abs().toPlainString();
      return sign + (plain.contains(".") ? plain : plain + ".0");
    }
    String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
    String exp = String.format("%02d", Math.abs(exponent));
    return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + exp;
  }
}
