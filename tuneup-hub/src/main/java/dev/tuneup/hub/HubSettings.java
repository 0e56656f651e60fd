package dev.tuneup.hub;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Where the hub is and how to authenticate, resolved as the Hugging Face client libraries ({@code
 * huggingface_hub}, {@code hf}) resolve them, so a machine set up for them works for tuneup:
 *
 * <ul>
 *   <li>endpoint: {@code HF_ENDPOINT} (trailing slash dropped), else {@code
 *       https://huggingface.co};
 *   <li>token: {@code HF_TOKEN}, else the older {@code HUGGING_FACE_HUB_TOKEN}, else the token
 *       file: {@code HF_TOKEN_PATH}, else {@code $HF_HOME/token}, else {@code
 *       ${XDG_CACHE_HOME:-~/.cache}/huggingface/token} (what {@code hf auth login} writes); blanks
 *       and line breaks are trimmed and an empty token is none;
 *   <li>{@code HF_HUB_DISABLE_IMPLICIT_TOKEN} set true: the token is not sent unless a request
 *       gives one;
 *   <li>{@code HF_HUB_OFFLINE} set true: no request reaches the hub.
 * </ul>
 *
 * tuneup's own keys {@code hub.endpoint} and {@code hub.token} win over these when set.
 *
 * @param token the token to send when a request gives none and may use the server's, or null
 */
public record HubSettings(URI endpoint, String token, boolean implicitToken, boolean offline) {
  public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
  private static final Set<String> TRUE = Set.of("1", "on", "yes", "true");

  public HubSettings {
    if (endpoint == null || endpoint.getScheme() == null || endpoint.getHost() == null) {
      throw new IllegalArgumentException(
          "hub endpoint must be an http(s) URL such as " + DEFAULT_ENDPOINT + ", got " + endpoint);
    }
  }

  /**
   * Resolves the settings.
   *
   * @param configuredEndpoint {@code hub.endpoint}, blank when not set
   * @param configuredToken {@code hub.token}, blank when not set
   * @param env the process environment
   * @param home the user's home directory
   */
  public static HubSettings resolve(
      String configuredEndpoint, String configuredToken, Map<String, String> env, Path home) {
    String endpoint = firstSet(configuredEndpoint, env.get("HF_ENDPOINT"), DEFAULT_ENDPOINT);
    while (endpoint.endsWith("/")) {
      endpoint = endpoint.substring(0, endpoint.length() - 1);
    }
    String token = clean(configuredToken);
    if (token == null) {
      token = clean(env.get("HF_TOKEN"));
    }
    if (token == null) {
      token = clean(env.get("HUGGING_FACE_HUB_TOKEN"));
    }
    if (token == null) {
      token = clean(read(tokenFile(env, home)));
    }
    return new HubSettings(
        URI.create(endpoint),
        token,
        !isTrue(env.get("HF_HUB_DISABLE_IMPLICIT_TOKEN")),
        isTrue(env.get("HF_HUB_OFFLINE")));
  }

  /** The token file huggingface_hub and the hf CLI read. */
  static Path tokenFile(Map<String, String> env, Path home) {
    String explicit = env.get("HF_TOKEN_PATH");
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    String hfHome = env.get("HF_HOME");
    if (hfHome == null || hfHome.isBlank()) {
      String cache = env.get("XDG_CACHE_HOME");
      Path cacheDir = cache == null || cache.isBlank() ? home.resolve(".cache") : Path.of(cache);
      return cacheDir.resolve("huggingface").resolve("token");
    }
    return Path.of(hfHome).resolve("token");
  }

  /** A token without its line breaks and surrounding blanks; null when nothing is left. */
  static String clean(String token) {
    if (token == null) {
      return null;
    }
    String t = token.replace("\r", "").replace("\n", "").strip();
    return t.isEmpty() ? null : t;
  }

  private static String read(Path file) {
    try {
      return Files.isRegularFile(file) ? Files.readString(file) : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static boolean isTrue(String value) {
    return value != null && TRUE.contains(value.strip().toLowerCase(Locale.ROOT));
  }

  private static String firstSet(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v.strip();
      }
    }
    return null;
  }

  @Override
  public String toString() {
    // never print the token
    return "HubSettings[endpoint="
        + endpoint
        + ", token="
        + (token == null ? "none" : "set")
        + ", implicitToken="
        + implicitToken
        + ", offline="
        + offline
        + "]";
  }
}
