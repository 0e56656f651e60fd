package dev.tuneup.testkit.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A tiny HTTP client speaking to a test server the way the DashScope SDK does. */
public final class Api {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;
  private final String key;
  private final Map<String, String> headers = new LinkedHashMap<>();

  public Api(String base, String key) {
    this.base = base;
    this.key = key;
  }

  public Api withKey(String otherKey) {
    Api a = new Api(base, otherKey);
    a.headers.putAll(headers);
    return a;
  }

  public Api withHeader(String name, String value) {
    Api a = new Api(base, key);
    a.headers.putAll(headers);
    a.headers.put(name, value);
    return a;
  }

  public String base() {
    return base;
  }

  /** The API key this client sends. */
  public String key() {
    return key;
  }

  /** A response with its body parsed when it is JSON. */
  public record Resp(int status, String contentType, String body, JsonNode json) {
    public JsonNode output() {
      return json.get("output");
    }

    public JsonNode data() {
      return json.get("data");
    }

    public String code() {
      return json.path("code").asText(null);
    }
  }

  public Resp get(String path) {
    return send(builder(path).GET());
  }

  /** JSON POST with the SDK's Content-Type. */
  public Resp post(String path, String json) {
    return send(
        builder(path)
            .header("Content-Type", "application/json; charset=utf-8")
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  /** POST with no body and no Content-Type, as the SDK cancels. */
  public Resp postEmpty(String path) {
    return send(builder(path).POST(HttpRequest.BodyPublishers.noBody()));
  }

  public Resp delete(String path) {
    return send(builder(path).DELETE());
  }

  public Resp method(String method, String path) {
    return send(builder(path).method(method, HttpRequest.BodyPublishers.noBody()));
  }

  /** Multipart upload: text parts first, then the file parts, as the SDK orders them. */
  public Resp upload(Map<String, List<String>> textParts, List<FilePart> files) {
    String boundary = "----tuneup" + UUID.randomUUID();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      for (Map.Entry<String, List<String>> e : textParts.entrySet()) {
        for (String v : e.getValue()) {
          out.write(
              ("--"
                      + boundary
                      + "\r\nContent-Disposition: form-data; name=\""
                      + e.getKey()
                      + "\"\r\n\r\n"
                      + v
                      + "\r\n")
                  .getBytes(StandardCharsets.UTF_8));
        }
      }
      for (FilePart f : files) {
        out.write(
            ("--"
                    + boundary
                    + "\r\nContent-Disposition: form-data; name=\"files\";"
                    + " filename=\""
                    + f.name()
                    + "\"\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        out.write(f.content());
        out.write("\r\n".getBytes(StandardCharsets.UTF_8));
      }
      out.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return send(
        builder("/api/v1/files")
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.ofByteArray(out.toByteArray())));
  }

  /** One file part. */
  public record FilePart(String name, byte[] content) {
    public static FilePart of(String name, String content) {
      return new FilePart(name, content.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Uploads one valid training file and returns its id. */
  public String uploadTrainingFile(String name, String jsonl) {
    Resp r = upload(Map.of(), List.of(FilePart.of(name, jsonl)));
    if (r.status() != 200 || r.data().get("uploaded_files").isEmpty()) {
      throw new AssertionError("upload failed: " + r.body());
    }
    return r.data().get("uploaded_files").get(0).get("file_id").asText();
  }

  public HttpRequest.Builder builder(String path) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
    b.header("user-agent", "dashscope/1.26.2; python/3.11.7; platform/Linux; processor/");
    b.header("Accept", "application/json; charset=utf-8");
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    headers.forEach(b::header);
    return b;
  }

  public Resp send(HttpRequest.Builder b) {
    try {
      HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
      String type = r.headers().firstValue("Content-Type").orElse("");
      JsonNode json = null;
      if (type.contains("application/json")) {
        json = JSON.readTree(r.body());
      }
      return new Resp(r.statusCode(), type, r.body(), json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
