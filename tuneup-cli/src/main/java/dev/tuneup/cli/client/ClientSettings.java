package dev.tuneup.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the server is and which key to use: flags first, then the environment ({@code TUNEUP_URL},
 * {@code DASHSCOPE_API_KEY}), then the config file ({@code $XDG_CONFIG_HOME/tuneup/config.json} or
 * {@code ~/.config/tuneup/config.json}: {@code {"url": ..., "api_key": ...}}).
 *
 * @param url the server's base URL, without a trailing slash
 * @param apiKey the API key, or null when none is configured
 * @param urlConfigured whether the URL came from a flag, the environment or the file (not the
 *     default)
 */
public record ClientSettings(String url, String apiKey, boolean urlConfigured) {
  public static final String DEFAULT_URL = "http://127.0.0.1:8080";
  public static final String URL_ENV = "TUNEUP_URL";
  public static final String KEY_ENV = "DASHSCOPE_API_KEY";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Resolves the settings from flags (null when not given), the environment and the file. */
  public static ClientSettings resolve(
      String flagUrl, String flagKey, Map<String, String> env, Path home) {
    JsonNode file = readFile(configFile(env, home));
    String url = first(flagUrl, env.get(URL_ENV), text(file, "url"));
    String key = first(flagKey, env.get(KEY_ENV), text(file, "api_key"));
    boolean configured = url != null;
    if (url == null) {
      url = DEFAULT_URL;
    }
    while (url.endsWith("/")) {
      url = url.substring(0, url.length() - 1);
    }
    return new ClientSettings(url, key, configured);
  }

  /** The key, or an error saying how to give one. */
  public String requireKey() {
    if (apiKey == null || apiKey.isBlank()) {
      throw new ClientException(
          "no API key: pass --api-key, set "
              + KEY_ENV
              + ", or put \"api_key\" in ~/.config/tuneup/config.json (an admin creates keys"
              + " with: tuneup admin create-user NAME)");
    }
    return apiKey;
  }

  static Path configFile(Map<String, String> env, Path home) {
    String xdg = env.get("XDG_CONFIG_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : home.resolve(".config");
    return base.resolve("tuneup").resolve("config.json");
  }

  private static JsonNode readFile(Path file) {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new ClientException(
          "cannot read " + file + ": " + e.getMessage() + " (expected {\"url\":…, \"api_key\":…})");
    }
  }

  private static String text(JsonNode n, String field) {
    return n == null || !n.hasNonNull(field) ? null : n.get(field).asText();
  }

  private static String first(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v.trim();
      }
    }
    return null;
  }
}
