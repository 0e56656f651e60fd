package dev.tuneup.server.dashscope;

import dev.tuneup.error.InvalidParameter;
import java.net.URI;

/** Repository ids from the web addresses people copy from the hub. */
final class HubUrls {
  private HubUrls() {}

  /**
   * {@code https://huggingface.co/Qwen/Qwen3-0.6B} → {@code [Qwen/Qwen3-0.6B, null]}; {@code
   * …/Qwen/Qwen3-0.6B/tree/v1} → {@code [Qwen/Qwen3-0.6B, v1]}; {@code hf://Qwen/Qwen3-0.6B} too.
   */
  static String[] parse(String url) {
    String path;
    if (url.startsWith("hf://")) {
      path = url.substring("hf://".length());
    } else {
      URI u;
      try {
        u = URI.create(url);
      } catch (IllegalArgumentException e) {
        throw bad(url);
      }
      if (u.getScheme() == null || u.getPath() == null) {
        throw bad(url);
      }
      path = u.getPath();
    }
    String[] parts = path.replaceAll("^/+", "").split("/");
    if (parts.length < 2 || parts[0].isBlank() || parts[1].isBlank()) {
      throw bad(url);
    }
    String repo = parts[0] + "/" + parts[1];
    String revision = parts.length >= 4 && parts[2].equals("tree") ? parts[3] : null;
    return new String[] {repo, revision};
  }

  private static InvalidParameter bad(String url) {
    return new InvalidParameter(
        "storage_info.url",
        "storage_info.url must be a hub address such as https://huggingface.co/Qwen/Qwen3-0.6B,"
            + " got "
            + url);
  }
}
