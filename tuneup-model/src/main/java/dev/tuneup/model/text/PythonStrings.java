package dev.tuneup.model.text;

import com.hubspot.jinjava.objects.SafeString;
import com.hubspot.jinjava.util.ForLoop;
import java.beans.FeatureDescriptor;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Answers the Python {@code str} methods that chat templates call ({@code content.strip()}, {@code
 * .startswith(...)}, {@code .split('</think>')}, ...) and {@code loop.previtem}/{@code
 * loop.nextitem}, none of which Jinjava has: it would call the Java method of the same name or
 * record an error and print nothing. Placed in front of Jinjava's own resolver.
 */
final class PythonStrings extends ELResolver {

  private static final Field LOOP_ITERATOR = loopIteratorField();

  private static Field loopIteratorField() {
    try {
      // Pinned to Jinjava 2.8.4; the golden tests with loop.previtem fail loudly if this moves.
      Field f = ForLoop.class.getDeclaredField("it");
      f.setAccessible(true);
      return f;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("Jinjava ForLoop has no 'it' field; upgrade broke us", e);
    }
  }

  @Override
  public Object getValue(ELContext context, Object base, Object property) {
    if (base instanceof ForLoop loop
        && ("previtem".equals(property) || "nextitem".equals(property))) {
      context.setPropertyResolved(true);
      try {
        if (LOOP_ITERATOR.get(loop) instanceof LoopTag.PositionIterator it) {
          return "previtem".equals(property) ? it.previous() : it.upcoming();
        }
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
      return null;
    }
    return null;
  }

  @Override
  public Object invoke(
      ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
    if (!(base instanceof String || base instanceof SafeString) || !(method instanceof String)) {
      return null;
    }
    String s = base.toString();
    Object[] p = params == null ? new Object[0] : params;
    Object result;
    switch ((String) method) {
      case "strip" -> result = strip(s, arg(p, 0), true, true);
      case "lstrip" -> result = strip(s, arg(p, 0), true, false);
      case "rstrip" -> result = strip(s, arg(p, 0), false, true);
      case "startswith" -> result = anyOf(p, prefix -> s.startsWith(prefix));
      case "endswith" -> result = anyOf(p, suffix -> s.endsWith(suffix));
      case "split" -> result = split(s, arg(p, 0), p.length > 1 ? toInt(p[1]) : -1);
      case "upper" -> result = s.toUpperCase(Locale.ROOT);
      case "lower" -> result = s.toLowerCase(Locale.ROOT);
      case "title" -> result = title(s);
      case "capitalize" ->
          result =
              s.isEmpty()
                  ? s
                  : s.substring(0, 1).toUpperCase(Locale.ROOT)
                      + s.substring(1).toLowerCase(Locale.ROOT);
      case "replace" -> result = replace(s, str(p[0]), str(p[1]), p.length > 2 ? toInt(p[2]) : -1);
      case "find" -> result = (long) s.indexOf(str(p[0]));
      case "count" -> result = (long) count(s, str(p[0]));
      case "join" -> result = join(s, p[0]);
      default -> {
        return null;
      }
    }
    context.setPropertyResolved(true);
    return result;
  }

  private static Object arg(Object[] p, int i) {
    return i < p.length ? p[i] : null;
  }

  private static String str(Object o) {
    return o == null ? null : o.toString();
  }

  private static int toInt(Object o) {
    return ((Number) o).intValue();
  }

  private static boolean isPythonSpace(char c) {
    return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u001c' || c == '\u0085';
  }

  static String strip(String s, Object chars, boolean left, boolean right) {
    String set = str(chars);
    int start = 0;
    int end = s.length();
    while (left && start < end && stripped(s.charAt(start), set)) {
      start++;
    }
    while (right && end > start && stripped(s.charAt(end - 1), set)) {
      end--;
    }
    return s.substring(start, end);
  }

  private static boolean stripped(char c, String set) {
    return set == null ? isPythonSpace(c) : set.indexOf(c) >= 0;
  }

  private interface StringTest {
    boolean test(String candidate);
  }

  /** startswith/endswith accept one string or a tuple of them. */
  private static boolean anyOf(Object[] p, StringTest test) {
    Object arg = arg(p, 0);
    if (arg instanceof Collection<?> options) {
      for (Object o : options) {
        if (test.test(str(o))) {
          return true;
        }
      }
      return false;
    }
    return test.test(str(arg));
  }

  /**
   * Python split: a literal separator keeps empty parts; no separator splits on whitespace runs.
   */
  static List<String> split(String s, Object separator, int maxSplit) {
    List<String> parts = new ArrayList<>();
    String sep = str(separator);
    if (sep == null) {
      int i = 0;
      int n = s.length();
      while (true) {
        while (i < n && isPythonSpace(s.charAt(i))) {
          i++;
        }
        if (i >= n) {
          break;
        }
        if (maxSplit >= 0 && parts.size() == maxSplit) {
          parts.add(strip(s.substring(i), null, false, true));
          break;
        }
        int j = i;
        while (j < n && !isPythonSpace(s.charAt(j))) {
          j++;
        }
        parts.add(s.substring(i, j));
        i = j;
      }
      return parts;
    }
    if (sep.isEmpty()) {
      throw new IllegalArgumentException("empty separator");
    }
    int start = 0;
    int at;
    while ((maxSplit < 0 || parts.size() < maxSplit) && (at = s.indexOf(sep, start)) >= 0) {
      parts.add(s.substring(start, at));
      start = at + sep.length();
    }
    parts.add(s.substring(start));
    return parts;
  }

  private static String title(String s) {
    StringBuilder out = new StringBuilder(s.length());
    boolean previousCased = false;
    for (char c : s.toCharArray()) {
      out.append(previousCased ? Character.toLowerCase(c) : Character.toTitleCase(c));
      previousCased = Character.isLetter(c);
    }
    return out.toString();
  }

  private static String replace(String s, String old, String replacement, int max) {
    if (max < 0) {
      return s.replace(old, replacement);
    }
    StringBuilder out = new StringBuilder();
    int start = 0;
    int done = 0;
    int at;
    while (done < max && !old.isEmpty() && (at = s.indexOf(old, start)) >= 0) {
      out.append(s, start, at).append(replacement);
      start = at + old.length();
      done++;
    }
    return out.append(s.substring(start)).toString();
  }

  private static int count(String s, String sub) {
    if (sub.isEmpty()) {
      return s.length() + 1;
    }
    int n = 0;
    for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
      n++;
    }
    return n;
  }

  private static String join(String separator, Object items) {
    List<String> parts = new ArrayList<>();
    if (items instanceof Iterable<?> iterable) {
      for (Object o : iterable) {
        parts.add(str(o));
      }
    } else if (items instanceof Iterator<?> it) {
      it.forEachRemaining(o -> parts.add(str(o)));
    } else {
      String text = str(items);
      text.codePoints().forEach(cp -> parts.add(new String(Character.toChars(cp))));
    }
    return String.join(separator, parts);
  }

  @Override
  public Class<?> getCommonPropertyType(ELContext context, Object base) {
    return null;
  }

  @Override
  public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
    return null;
  }

  @Override
  public Class<?> getType(ELContext context, Object base, Object property) {
    return null;
  }

  @Override
  public boolean isReadOnly(ELContext context, Object base, Object property) {
    return true;
  }

  @Override
  public void setValue(ELContext context, Object base, Object property, Object value) {}
}
