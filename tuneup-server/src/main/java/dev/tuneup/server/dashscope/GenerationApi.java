package dev.tuneup.server.dashscope;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.deployment.Deployment;
import dev.tuneup.error.InvalidParameter;
import dev.tuneup.inference.ChatMessage;
import dev.tuneup.inference.ChatRequest;
import dev.tuneup.inference.Completion;
import dev.tuneup.inference.InferenceService;
import dev.tuneup.inference.TokenSink;
import dev.tuneup.server.http.ErrorMapper;
import dev.tuneup.server.http.Json;
import dev.tuneup.server.http.Obj;
import dev.tuneup.server.http.Requests;
import dev.tuneup.server.inference.EventStream;
import dev.tuneup.server.inference.Sampling;
import dev.tuneup.server.stream.StreamLimits;
import io.javalin.http.Context;
import java.util.List;

/**
 * {@code POST /api/v1/services/aigc/text-generation/generation} (spec §3.5): a deployed model
 * answers {@code input.messages} or {@code input.prompt}, as one JSON answer or as server-sent
 * events in the exact format the SDK parses ({@code id:}, {@code event:result}, {@code
 * :HTTP_STATUS/200}, {@code data:}); a failure after the stream opened is an {@code event:error}
 * with a {@code status:} line, the only place the SDK reads a stream error's status from.
 */
public final class GenerationApi {
  private final InferenceService inference;

  private final StreamLimits streams;

  public GenerationApi(InferenceService inference, StreamLimits streams) {
    this.inference = inference;
    this.streams = streams;
  }

  public void generate(Context ctx) {
    JsonNode body = Requests.jsonObject(ctx);
    JsonNode input = body.path("input");
    JsonNode params = body.path("parameters");
    List<ChatMessage> messages =
        input.has("messages")
            ? Sampling.messages(input.get("messages"), "input.messages")
            : prompt(input);
    ChatRequest request =
        new ChatRequest(messages, Sampling.options(params), Requests.caller(ctx).userId());
    boolean message = "message".equals(params.path("result_format").asText("text"));
    boolean stream =
        "enable".equalsIgnoreCase(ctx.header("X-DashScope-SSE"))
            || params.path("stream").asBoolean(false);
    Deployment d = inference.serving(Requests.caller(ctx), body.path("model").asText(null));
    if (!stream) {
      Completion c = inference.chat(d, request, TokenSink.ignore());
      Requests.ok(
          ctx,
          Obj.of()
              .always("request_id", Requests.requestId(ctx))
              .always("output", output(message, c.text(), c.finishReason().wire()))
              .always("usage", usage(c.inputTokens(), c.outputTokens())));
      return;
    }
    streams.acquireFor(ctx, Requests.caller(ctx).userId());
    streamAnswer(ctx, d, request, message, params.path("incremental_output").asBoolean(false));
  }

  private void streamAnswer(
      Context ctx, Deployment d, ChatRequest request, boolean message, boolean incremental) {
    EventStream sse = new EventStream(ctx);
    String requestId = Requests.requestId(ctx);
    StringBuilder all = new StringBuilder();
    int[] seq = {0};
    int[] promptTokens = {0};
    TokenSink sink =
        new TokenSink() {
          @Override
          public void started() {
            sse.open();
          }

          @Override
          public void promptTokens(int n) {
            promptTokens[0] = n;
          }

          @Override
          public boolean accept(String delta, int outputTokens) {
            all.append(delta);
            return sse.send(
                event(
                    ++seq[0],
                    requestId,
                    output(message, incremental ? delta : all.toString(), "null"),
                    usage(promptTokens[0], outputTokens)));
          }
        };
    Completion c;
    try {
      c = inference.chat(d, request, sink);
    } catch (RuntimeException e) {
      if (!sse.opened()) {
        throw e;
      }
      ErrorMapper.WireError err = ErrorMapper.map(e, requestId);
      sse.send(
          "id:"
              + (++seq[0])
              + "\nevent:error\n:HTTP_STATUS/"
              + err.status()
              + "\nstatus:"
              + err.status()
              + "\ndata:"
              + Json.text(
                  Obj.of()
                      .always("code", err.code())
                      .always("message", err.message())
                      .always("request_id", requestId))
              + "\n\n");
      return;
    }
    sse.send(
        event(
            ++seq[0],
            requestId,
            output(message, incremental ? "" : c.text(), c.finishReason().wire()),
            usage(c.inputTokens(), c.outputTokens())));
  }

  private static String event(int id, String requestId, Obj output, Obj usage) {
    return "id:"
        + id
        + "\nevent:result\n:HTTP_STATUS/200\ndata:"
        + Json.text(
            Obj.of()
                .always("output", output)
                .always("usage", usage)
                .always("request_id", requestId))
        + "\n\n";
  }

  private static List<ChatMessage> prompt(JsonNode input) {
    JsonNode p = input.get("prompt");
    if (p == null || !p.isTextual() || p.asText().isEmpty()) {
      throw new InvalidParameter(
          "input", "input must hold messages (a list of {role, content}) or a prompt string.");
    }
    // A chat model reads a bare prompt as the user's turn, as DashScope does.
    return List.of(new ChatMessage("user", p.asText()));
  }

  private static Obj output(boolean message, String text, String finishReason) {
    if (!message) {
      return Obj.of().always("text", text).always("finish_reason", finishReason);
    }
    return Obj.of()
        .always(
            "choices",
            List.of(
                Obj.of()
                    .always("finish_reason", finishReason)
                    .always(
                        "message", Obj.of().always("role", "assistant").always("content", text))));
  }

  private static Obj usage(int input, int output) {
    return Obj.of()
        .always("input_tokens", input)
        .always("output_tokens", output)
        .always("total_tokens", input + output);
  }
}
