package dev.tuneup.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Flow;
import java.util.function.LongConsumer;
import java.util.function.Predicate;

/** The server's DashScope HTTP API, as the CLI uses it. */
public final class TuneupClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String base;
  private final String key;
  private final HttpClient http;

  public TuneupClient(ClientSettings settings) {
    this.base = settings.url();
    this.key = settings.requireKey();
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  public JsonNode get(String path) {
    return send(request(path).GET());
  }

  public JsonNode post(String path, JsonNode body) {
    return send(
        request(path)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
  }

  /** A POST without a body, as the DashScope SDK sends cancel. */
  public JsonNode post(String path) {
    return send(request(path).POST(HttpRequest.BodyPublishers.noBody()));
  }

  public JsonNode put(String path, JsonNode body) {
    return send(
        request(path)
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(body.toString())));
  }

  public JsonNode delete(String path) {
    return send(request(path).DELETE());
  }

  /** Uploads one training file; {@code sent} hears the bytes sent so far. */
  public JsonNode upload(Path file, LongConsumer sent) {
    String boundary = "----tuneup" + UUID.randomUUID();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    try {
      body.write(
          ("--"
                  + boundary
                  + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\""
                  + file.getFileName().toString().replace("\"", "")
                  + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
              .getBytes(StandardCharsets.UTF_8));
      body.write(Files.readAllBytes(file));
      body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new ClientException("cannot read " + file + ": " + e.getMessage(), e);
    }
    byte[] bytes = body.toByteArray();
    HttpRequest.BodyPublisher counted = counting(bytes, sent);
    return send(
        request("/api/v1/files")
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .POST(counted));
  }

  /**
   * POSTs and reads a server-sent event stream, handing each {@code data:} payload on until {@code
   * onData} returns false or the stream ends.
   */
  public void stream(String path, JsonNode body, Predicate<JsonNode> onData) {
    HttpRequest.Builder b =
        request(path)
            .timeout(Duration.ofMinutes(30))
            .header("Content-Type", "application/json")
            .header("Accept", "text/event-stream")
            .header("X-DashScope-SSE", "enable")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    HttpResponse<InputStream> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClientException("interrupted");
    }
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      if (r.statusCode() >= 400) {
        StringBuilder all = new StringBuilder();
        for (String line; (line = in.readLine()) != null; ) {
          all.append(line).append('\n');
        }
        throw error(r.statusCode(), all.toString());
      }
      String event = "";
      for (String line; (line = in.readLine()) != null; ) {
        if (line.startsWith("event:")) {
          event = line.substring(6).trim();
        } else if (line.startsWith("data:")) {
          JsonNode data = JSON.readTree(line.substring(5).trim());
          if (event.equals("error")) {
            throw error(400, data.toString());
          }
          if (!onData.test(data)) {
            return;
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path))
        .timeout(Duration.ofMinutes(5))
        .header("Authorization", "Bearer " + key)
        .header("Accept", "application/json");
  }

  private JsonNode send(HttpRequest.Builder b) {
    HttpResponse<String> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClientException("interrupted");
    }
    if (r.statusCode() >= 400) {
      throw error(r.statusCode(), r.body());
    }
    try {
      return r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
    } catch (IOException e) {
      throw new ClientException("the server at " + base + " answered something that is not JSON");
    }
  }

  private ClientException unreachable(IOException e) {
    String why = e instanceof ConnectException ? "connection refused" : e.toString();
    return new ClientException(
        "cannot reach the tuneup server at "
            + base
            + " ("
            + why
            + "): start it with ./tuneup serve, or point --url / "
            + ClientSettings.URL_ENV
            + " at it",
        e);
  }

  private static ApiException error(int status, String body) {
    try {
      JsonNode n = JSON.readTree(body);
      return new ApiException(
          status,
          n.path("code").asText("HTTP" + status),
          n.path("message").asText(body),
          n.path("request_id").asText(null));
    } catch (IOException e) {
      return new ApiException(status, "HTTP" + status, body.strip(), null);
    }
  }

  /** A body publisher that reports progress as the HTTP client pulls chunks. */
  private static HttpRequest.BodyPublisher counting(byte[] bytes, LongConsumer sent) {
    List<byte[]> chunks = new ArrayList<>();
    for (int i = 0; i < bytes.length; i += 64 * 1024) {
      chunks.add(java.util.Arrays.copyOfRange(bytes, i, Math.min(i + 64 * 1024, bytes.length)));
    }
    HttpRequest.BodyPublisher inner = HttpRequest.BodyPublishers.ofByteArrays(chunks);
    return new HttpRequest.BodyPublisher() {
      @Override
      public long contentLength() {
        return bytes.length;
      }

      @Override
      public void subscribe(Flow.Subscriber<? super ByteBuffer> s) {
        inner.subscribe(
            new Flow.Subscriber<>() {
              long total;

              @Override
              public void onSubscribe(Flow.Subscription sub) {
                s.onSubscribe(sub);
              }

              @Override
              public void onNext(ByteBuffer item) {
                total += item.remaining();
                sent.accept(total);
                s.onNext(item);
              }

              @Override
              public void onError(Throwable t) {
                s.onError(t);
              }

              @Override
              public void onComplete() {
                s.onComplete();
              }
            });
      }
    };
  }
}
