package dev.tuneup.model.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jinjava.javax.el.CompositeELResolver;

/**
 * A Hugging Face chat template, rendered the way transformers renders it ({@code
 * apply_chat_template}: jinja2 with {@code trim_blocks}, {@code lstrip_blocks}, loop controls, a
 * {@code json.dumps}-style {@code tojson}, {@code raise_exception} and {@code strftime_now}).
 *
 * <p>The engine is Jinjava plus shims for the constructs it reads differently from jinja2 (see
 * {@link TemplateSource}, {@link PythonStrings}, {@link LoopTag}); golden files rendered by python
 * jinja2 pin the output byte for byte. Known gaps: booleans and None print as Java would ({@code
 * true}, empty), and {@code undefined is none} is true. Templates in the wild rarely print either.
 *
 * <p>Thread-safe: each render gets its own interpreter.
 */
public final class ChatTemplate {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ThreadLocal<Clock> CLOCK = ThreadLocal.withInitial(Clock::systemUTC);

  private final String source;
  private final String prepared;
  private final Map<String, Object> specialTokens;
  private final Jinjava jinjava;
  private final Clock clock;

  private ChatTemplate(String source, Map<String, Object> specialTokens, Clock clock) {
    this.source = source;
    this.prepared = TemplateSource.prepare(source);
    this.specialTokens = Map.copyOf(specialTokens);
    this.clock = clock;
    this.jinjava = newEngine();
  }

  /**
   * Loads the template of a model directory: {@code chat_template.jinja} when present (the newer
   * transformers layout), else the {@code chat_template} string of {@code tokenizer_config.json},
   * with the special tokens of that config in the render context.
   *
   * @throws IllegalArgumentException when the directory has no chat template
   */
  public static ChatTemplate load(Path modelDir) {
    try {
      Path configFile = modelDir.resolve("tokenizer_config.json");
      JsonNode config =
          Files.isRegularFile(configFile)
              ? JSON.readTree(configFile.toFile())
              : JSON.createObjectNode();
      Map<String, Object> tokens = new HashMap<>();
      for (String name : List.of("bos_token", "eos_token", "pad_token", "unk_token")) {
        String text = Tokenizer.tokenText(config.get(name));
        if (text != null) {
          tokens.put(name, text);
        }
      }
      Path jinjaFile = modelDir.resolve("chat_template.jinja");
      String template;
      if (Files.isRegularFile(jinjaFile)) {
        template = Files.readString(jinjaFile);
      } else if (config.path("chat_template").isTextual()) {
        template = config.get("chat_template").asText();
      } else if (config.path("chat_template").isArray()) {
        // Older multi-template configs: [{"name": "default", "template": "..."}, ...].
        template = null;
        for (JsonNode named : config.get("chat_template")) {
          if ("default".equals(named.path("name").asText())) {
            template = named.path("template").asText();
          }
        }
      } else {
        template = null;
      }
      if (template == null) {
        throw new IllegalArgumentException(modelDir + " has no chat template");
      }
      return new ChatTemplate(template, tokens, Clock.systemUTC());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read chat template from " + modelDir, e);
    }
  }

  /** A template from its source text, with special tokens such as {@code bos_token} in context. */
  public static ChatTemplate of(String source, Map<String, String> specialTokens) {
    return of(source, specialTokens, Clock.systemUTC());
  }

  /** As {@link #of(String, Map)}, with the clock {@code strftime_now} reads. */
  public static ChatTemplate of(String source, Map<String, String> specialTokens, Clock clock) {
    return new ChatTemplate(source, new HashMap<>(specialTokens), clock);
  }

  /** The template source as written in the model directory. */
  public String source() {
    return source;
  }

  /** Renders a conversation; see {@link #render(List, boolean, Map)}. */
  public String render(List<Map<String, Object>> messages, boolean addGenerationPrompt) {
    return render(messages, addGenerationPrompt, Map.of());
  }

  /**
   * Renders a conversation.
   *
   * @param messages {@code role}/{@code content} maps (and whatever else the template reads: {@code
   *     tool_calls}, {@code reasoning_content})
   * @param addGenerationPrompt whether to open an assistant turn at the end
   * @param kwargs extra template variables, e.g. {@code enable_thinking} or {@code tools}
   * @throws ChatTemplateException when the template raises or fails to render
   */
  public String render(
      List<Map<String, Object>> messages, boolean addGenerationPrompt, Map<String, Object> kwargs) {
    Map<String, Object> context = new HashMap<>(specialTokens);
    context.put("messages", deepCopy(messages));
    context.put("tools", null);
    context.put("documents", null);
    context.put("add_generation_prompt", addGenerationPrompt);
    for (Map.Entry<String, Object> e : kwargs.entrySet()) {
      context.put(e.getKey(), deepCopy(e.getValue()));
    }
    Clock previous = CLOCK.get();
    CLOCK.set(clock);
    RenderResult result;
    try {
      result = jinjava.renderForResult(prepared, context);
    } finally {
      CLOCK.set(previous);
    }
    for (TemplateError error : result.getErrors()) {
      // Jinjava records errors and keeps rendering; a prompt rendered past a fatal error is wrong,
      // so any fatal error fails the render.
      if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
        throw failure(error);
      }
    }
    return result.getOutput();
  }

  private static ChatTemplateException failure(TemplateError error) {
    for (Throwable t = error.getException(); t != null; t = t.getCause()) {
      if (t instanceof Raised raised) {
        return new ChatTemplateException(raised.getMessage(), raised);
      }
    }
    String where = error.getLineno() > 0 ? " (template line " + error.getLineno() + ")" : "";
    return new ChatTemplateException(
        "chat template failed: " + error.getMessage() + where, error.getException());
  }

  @SuppressWarnings("unchecked")
  private static Object deepCopy(Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> copy = new LinkedHashMap<>();
      map.forEach((k, v) -> copy.put(String.valueOf(k), deepCopy(v)));
      return copy;
    }
    if (value instanceof Collection<?> list) {
      List<Object> copy = new ArrayList<>(list.size());
      list.forEach(v -> copy.add(deepCopy(v)));
      return copy;
    }
    return value;
  }

  private Jinjava newEngine() {
    CompositeELResolver resolver = new CompositeELResolver();
    resolver.add(new PythonStrings());
    resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
    JinjavaConfig config =
        JinjavaConfig.newBuilder()
            .withTrimBlocks(true)
            .withLstripBlocks(true)
            .withElResolver(resolver)
            // Without this, {{- and -}} do not strip whitespace and every real template breaks.
            // LegacyOverrides.ALL would also turn on whitespaceRequiredWithinTokens, which leaves
            // {%- unparsed.
            .withLegacyOverrides(
                LegacyOverrides.newBuilder()
                    .withUseTrimmingForNotesAndExpressions(true)
                    .withUsePyishObjectMapper(true)
                    .build())
            .build();
    Jinjava engine = new Jinjava(config);
    engine.getGlobalContext().registerTag(new LoopTag());
    engine.getGlobalContext().registerFilter(new ToJson());
    engine.getGlobalContext().registerFunction(function("raise_exception", "raise", String.class));
    engine
        .getGlobalContext()
        .registerFunction(function("strftime_now", "strftimeNow", String.class));
    return engine;
  }

  private static ELFunctionDefinition function(String name, String method, Class<?>... params) {
    try {
      Method m = Functions.class.getDeclaredMethod(method, params);
      m.setAccessible(true);
      return new ELFunctionDefinition("", name, m);
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException("bug: template function " + method + " missing", e);
    }
  }

  /** What {@code raise_exception} throws; found again in Jinjava's error list. */
  static final class Raised extends RuntimeException {
    Raised(String message) {
      super(message);
    }
  }

  /** Static entry points Jinjava calls as template functions. */
  static final class Functions {
    private Functions() {}

    public static Object raise(String message) {
      throw new Raised(message);
    }

    public static String strftimeNow(String format) {
      return strftime(ZonedDateTime.now(CLOCK.get()), format);
    }
  }

  /** The C strftime directives templates use (LLaMA 3.1: {@code "%d %b %Y"}). */
  static String strftime(ZonedDateTime time, String format) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < format.length(); i++) {
      char c = format.charAt(i);
      if (c != '%' || i + 1 >= format.length()) {
        out.append(c);
        continue;
      }
      char d = format.charAt(++i);
      boolean noPad = d == '-' && i + 1 < format.length();
      if (noPad) {
        d = format.charAt(++i);
      }
      String pattern =
          switch (d) {
            case 'Y' -> "yyyy";
            case 'y' -> "yy";
            case 'm' -> noPad ? "M" : "MM";
            case 'd' -> noPad ? "d" : "dd";
            case 'e' -> "ppd";
            case 'H' -> noPad ? "H" : "HH";
            case 'I' -> noPad ? "h" : "hh";
            case 'M' -> noPad ? "m" : "mm";
            case 'S' -> noPad ? "s" : "ss";
            case 'p' -> "a";
            case 'b', 'h' -> "MMM";
            case 'B' -> "MMMM";
            case 'a' -> "EEE";
            case 'A' -> "EEEE";
            case 'j' -> "DDD";
            default -> null;
          };
      if (d == '%') {
        out.append('%');
      } else if (pattern == null) {
        out.append('%').append(d);
      } else {
        out.append(DateTimeFormatter.ofPattern(pattern, Locale.ENGLISH).format(time));
      }
    }
    return out.toString();
  }

  /** {@code tojson} as transformers defines it: json.dumps with ensure_ascii=False. */
  private static final class ToJson implements Filter {
    @Override
    public String getName() {
      return "tojson";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
      return filter(var, interpreter, args, Map.of());
    }

    @Override
    public Object filter(
        Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
      Object indentArg = kwargs.containsKey("indent") ? kwargs.get("indent") : at(args, 0);
      Integer indent = indentArg == null ? null : Integer.valueOf(indentArg.toString());
      String itemSep = null;
      String keySep = null;
      if (kwargs.get("separators") instanceof List<?> seps && seps.size() == 2) {
        itemSep = String.valueOf(seps.get(0));
        keySep = String.valueOf(seps.get(1));
      }
      boolean sortKeys = Boolean.parseBoolean(String.valueOf(kwargs.get("sort_keys")));
      return new PythonJson(indent, itemSep, keySep, sortKeys).dumps(var);
    }

    private static Object at(Object[] args, int i) {
      return args != null && args.length > i ? args[i] : null;
    }
  }
}
