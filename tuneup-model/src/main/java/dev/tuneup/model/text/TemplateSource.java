package dev.tuneup.model.text;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites a Hugging Face chat template so Jinjava reads it the way python jinja2 does. These are
 * source shims, not a parser: each one covers a construct that real templates use and Jinjava
 * parses differently, and the golden tests pin them.
 */
final class TemplateSource {

  /** A name with attribute and index accessors, sliced with a step of -1. */
  private static final Pattern REVERSE_SLICE =
      Pattern.compile(
          "([A-Za-z_][A-Za-z0-9_]*(?:\\.[A-Za-z_][A-Za-z0-9_]*|\\[[^\\[\\]]*\\])*)\\[\\s*::\\s*-1\\s*\\]");

  private static final Pattern NAMESPACE_CALL = Pattern.compile("\\bnamespace\\(");

  private TemplateSource() {}

  static String prepare(String source) {
    // jinja2 normalises line endings and, without keep_trailing_newline, drops one final newline.
    String s = source.replace("\r\n", "\n").replace('\r', '\n');
    if (s.endsWith("\n")) {
      s = s.substring(0, s.length() - 1);
    }
    return rewriteTags(s);
  }

  /** Applies the expression shims inside {@code {{ }}} and {@code {% %}} only, never to text. */
  private static String rewriteTags(String s) {
    StringBuilder out = new StringBuilder(s.length() + 64);
    int i = 0;
    while (i < s.length()) {
      int open = nextOpen(s, i);
      if (open < 0) {
        out.append(s, i, s.length());
        break;
      }
      out.append(s, i, open);
      String close = s.charAt(open + 1) == '{' ? "}}" : (s.charAt(open + 1) == '%' ? "%}" : "#}");
      int end = findClose(s, open + 2, close);
      if (end < 0) {
        out.append(s, open, s.length());
        break;
      }
      String tag = s.substring(open, end + 2);
      out.append(close.equals("#}") ? tag : rewriteExpression(tag));
      i = end + 2;
    }
    return out.toString();
  }

  private static int nextOpen(String s, int from) {
    for (int i = from; i < s.length() - 1; i++) {
      if (s.charAt(i) == '{') {
        char c = s.charAt(i + 1);
        if (c == '{' || c == '%' || c == '#') {
          return i;
        }
      }
    }
    return -1;
  }

  /** Index of the closing delimiter, skipping quoted strings inside the tag. */
  private static int findClose(String s, int from, String close) {
    char quote = 0;
    for (int i = from; i < s.length() - 1; i++) {
      char c = s.charAt(i);
      if (quote != 0) {
        if (c == '\\') {
          i++;
        } else if (c == quote) {
          quote = 0;
        }
      } else if ((c == '\'' || c == '"') && !close.equals("#}")) {
        quote = c;
      } else if (c == close.charAt(0) && s.charAt(i + 1) == close.charAt(1)) {
        return i;
      }
    }
    return -1;
  }

  static String rewriteExpression(String tag) {
    // Jinjava has no slice step: x[::-1] becomes (x|reverse).
    String t = REVERSE_SLICE.matcher(tag).replaceAll("($1|reverse)");
    return parenthesizeNamespaceArguments(t);
  }

  /**
   * Jinjava parses {@code namespace(i=messages|length - 1)} as {@code (i=messages|length) - 1};
   * wrapping each keyword value in parentheses restores jinja2's reading.
   */
  private static String parenthesizeNamespaceArguments(String tag) {
    Matcher m = NAMESPACE_CALL.matcher(tag);
    StringBuilder out = new StringBuilder();
    int last = 0;
    while (m.find(last)) {
      int argsStart = m.end();
      int argsEnd = matchingParen(tag, argsStart);
      if (argsEnd < 0) {
        break;
      }
      out.append(tag, last, argsStart);
      List<String> args = splitTopLevel(tag.substring(argsStart, argsEnd));
      List<String> wrapped = new ArrayList<>();
      for (String arg : args) {
        int eq = keywordEquals(arg);
        if (eq < 0) {
          wrapped.add(arg);
        } else {
          wrapped.add(arg.substring(0, eq + 1) + "(" + arg.substring(eq + 1).trim() + ")");
        }
      }
      out.append(String.join(", ", wrapped)).append(')');
      last = argsEnd + 1;
    }
    out.append(tag.substring(last));
    return out.toString();
  }

  private static int matchingParen(String s, int from) {
    int depth = 0;
    char quote = 0;
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quote != 0) {
        if (c == '\\') {
          i++;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '(' || c == '[' || c == '{') {
        depth++;
      } else if (c == ')' || c == ']' || c == '}') {
        if (depth == 0) {
          return c == ')' ? i : -1;
        }
        depth--;
      }
    }
    return -1;
  }

  private static List<String> splitTopLevel(String args) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    char quote = 0;
    int start = 0;
    for (int i = 0; i < args.length(); i++) {
      char c = args.charAt(i);
      if (quote != 0) {
        if (c == '\\') {
          i++;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '(' || c == '[' || c == '{') {
        depth++;
      } else if (c == ')' || c == ']' || c == '}') {
        depth--;
      } else if (c == ',' && depth == 0) {
        parts.add(args.substring(start, i).trim());
        start = i + 1;
      }
    }
    String tail = args.substring(start).trim();
    if (!tail.isEmpty()) {
      parts.add(tail);
    }
    return parts;
  }

  /** Position of the {@code =} of {@code name=value}, or -1 (also for {@code ==}). */
  private static int keywordEquals(String arg) {
    int i = 0;
    while (i < arg.length() && (Character.isLetterOrDigit(arg.charAt(i)) || arg.charAt(i) == '_')) {
      i++;
    }
    int eq = i;
    while (eq < arg.length() && arg.charAt(eq) == ' ') {
      eq++;
    }
    boolean isKeyword =
        i > 0
            && eq < arg.length()
            && arg.charAt(eq) == '='
            && (eq + 1 >= arg.length() || arg.charAt(eq + 1) != '=');
    return isKeyword ? eq : -1;
  }
}
