package org.bgan.util;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** A minimal JSON writer for the toolkit's own result files (maps, lists, numbers, strings). */
public final class Json {
  private Json() {}

  /** Text that is already JSON, written as it is. */
  public record Raw(String json) {}

  public static String write(Object value) {
    StringBuilder sb = new StringBuilder();
    write(sb, value, 0);
    sb.append('\n');
    return sb.toString();
  }

  private static void write(StringBuilder sb, Object v, int indent) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof Raw r) {
      sb.append(r.json());
    } else if (v instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        sb.append("{}");
        return;
      }
      sb.append("{\n");
      Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<?, ?> e = it.next();
        pad(sb, indent + 2);
        string(sb, String.valueOf(e.getKey()));
        sb.append(": ");
        write(sb, e.getValue(), indent + 2);
        sb.append(it.hasNext() ? ",\n" : "\n");
      }
      pad(sb, indent);
      sb.append('}');
    } else if (v instanceof List<?> l) {
      boolean flat = l.stream().allMatch(x -> x instanceof Number || x instanceof String || x == null);
      sb.append('[');
      for (int i = 0; i < l.size(); i++) {
        if (!flat) {
          sb.append('\n');
          pad(sb, indent + 2);
        }
        write(sb, l.get(i), indent + 2);
        if (i + 1 < l.size()) {
          sb.append(flat ? ", " : ",");
        }
      }
      if (!flat && !l.isEmpty()) {
        sb.append('\n');
        pad(sb, indent);
      }
      sb.append(']');
    } else if (v instanceof Double d) {
      sb.append(Double.isFinite(d) ? Double.toString(d) : "null");
    } else if (v instanceof Float f) {
      sb.append(Float.isFinite(f) ? Float.toString(f) : "null");
    } else if (v instanceof Number || v instanceof Boolean) {
      sb.append(v);
    } else {
      string(sb, v.toString());
    }
  }

  private static void pad(StringBuilder sb, int n) {
    sb.append(" ".repeat(n));
  }

  private static void string(StringBuilder sb, String s) {
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
}
