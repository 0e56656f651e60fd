package dev.tuneup.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.common.Page;
import dev.tuneup.common.PageRequest;
import dev.tuneup.deployment.Deployment;
import dev.tuneup.deployment.DeploymentService;
import dev.tuneup.error.InvalidParameter;
import dev.tuneup.inference.ChatRequest;
import dev.tuneup.inference.Completion;
import dev.tuneup.inference.InferenceService;
import dev.tuneup.inference.TokenSink;
import dev.tuneup.registry.BaseModel;
import dev.tuneup.registry.FineTunedModel;
import dev.tuneup.registry.ModelCatalog;
import dev.tuneup.server.http.ErrorMapper;
import dev.tuneup.server.http.Json;
import dev.tuneup.server.http.Obj;
import dev.tuneup.server.http.Requests;
import dev.tuneup.server.inference.EventStream;
import dev.tuneup.server.inference.Sampling;
import dev.tuneup.server.stream.StreamLimits;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The OpenAI chat surface, at {@code /v1/…} and DashScope's {@code /compatible-mode/v1/…}: {@code
 * POST chat/completions} (whole or streamed as chunks ending in {@code data: [DONE]}) and {@code
 * GET models} (the caller's deployments). Errors on this surface have OpenAI's shape.
 */
public final class ChatCompletionsApi {
  private final InferenceService inference;
  private final DeploymentService deployments;
  private final Clock clock;

  private final ModelCatalog catalog;

  private final StreamLimits streams;

  public ChatCompletionsApi(
      InferenceService inference,
      DeploymentService deployments,
      ModelCatalog catalog,
      Clock clock,
      StreamLimits streams) {
    this.streams = streams;
    this.inference = inference;
    this.deployments = deployments;
    this.catalog = catalog;
    this.clock = clock;
  }

  public void complete(Context ctx) {
    JsonNode body = Requests.jsonObject(ctx);
    if (body.hasNonNull("n") && body.get("n").asInt() != 1) {
      throw new InvalidParameter("n", "Only n = 1 is supported.");
    }
    ChatRequest request =
        new ChatRequest(
            Sampling.messages(body.get("messages"), "messages"),
            Sampling.options(body),
            Requests.caller(ctx).userId());
    String model = body.path("model").asText(null);
    // A fine-tuned model answers here as soon as its job succeeds: no deployment needed.
    String d = inference.route(Requests.caller(ctx), model, true);
    String id = "chatcmpl-" + Requests.requestId(ctx).replace("-", "");
    long created = clock.instant().getEpochSecond();
    if (!body.path("stream").asBoolean(false)) {
      Completion c = inference.chat(d, request, TokenSink.ignore());
      Requests.ok(
          ctx,
          Obj.of()
              .always("id", id)
              .always("object", "chat.completion")
              .always("created", created)
              .always("model", model)
              .always(
                  "choices",
                  List.of(
                      Obj.of()
                          .always("index", 0)
                          .always(
                              "message",
                              Obj.of().always("role", "assistant").always("content", c.text()))
                          .always("logprobs", null)
                          .always("finish_reason", c.finishReason().wire())))
              .always("usage", usage(c)));
      return;
    }
    boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
    streams.acquireFor(ctx, Requests.caller(ctx).userId());
    EventStream sse = new EventStream(ctx);
    TokenSink sink =
        new TokenSink() {
          @Override
          public void started() {
            sse.send(chunk(id, created, model, delta("assistant", ""), null));
          }

          @Override
          public boolean accept(String text, int outputTokens) {
            return sse.send(chunk(id, created, model, delta(null, text), null));
          }
        };
    Completion c;
    try {
      c = inference.chat(d, request, sink);
    } catch (RuntimeException e) {
      if (!sse.opened()) {
        throw e;
      }
      sse.send("data: " + Json.text(ErrorMapper.openAiBody(e, Requests.requestId(ctx))) + "\n\n");
      return;
    }
    sse.send(chunk(id, created, model, Obj.of(), c.finishReason().wire()));
    if (includeUsage) {
      sse.send(
          "data: "
              + Json.text(
                  Obj.of()
                      .always("id", id)
                      .always("object", "chat.completion.chunk")
                      .always("created", created)
                      .always("model", model)
                      .always("choices", List.of())
                      .always("usage", usage(c)))
              + "\n\n");
    }
    sse.send("data: [DONE]\n\n");
  }

  /** {@code GET /v1/models}: the caller's deployed models, by the name a request uses. */
  public void models(Context ctx) {
    List<Obj> data = new ArrayList<>();
    int pageNo = 1;
    while (true) {
      Page<Deployment> page =
          deployments.list(Requests.caller(ctx), new PageRequest(pageNo++, 200));
      for (Deployment d : page.items()) {
        data.add(
            Obj.of()
                .always("id", d.deployedModel())
                .always("object", "model")
                .always("created", d.createdAt().getEpochSecond())
                .always("owned_by", d.userId()));
      }
      if (page.items().size() < 200) {
        break;
      }
    }
    // Fine-tuned and base models answer too, loaded on first use.
    java.util.Set<Object> seen = new java.util.HashSet<>();
    data.forEach(o -> seen.add(o.get("id")));
    for (FineTunedModel m : catalog.fineTuned().list(Requests.caller(ctx))) {
      if (seen.add(m.name())) {
        data.add(
            Obj.of()
                .always("id", m.name())
                .always("object", "model")
                .always("created", m.createdAt().getEpochSecond())
                .always("owned_by", m.userId()));
      }
    }
    for (BaseModel b : catalog.baseModels()) {
      if (seen.add(b.id())) {
        data.add(
            Obj.of()
                .always("id", b.id())
                .always("object", "model")
                .always("created", 0L)
                .always("owned_by", "tuneup"));
      }
    }
    Requests.ok(ctx, Obj.of().always("object", "list").always("data", data));
  }

  private static Obj delta(String role, String content) {
    return Obj.of().with("role", role).always("content", content);
  }

  private static String chunk(String id, long created, String model, Obj delta, String finish) {
    return "data: "
        + Json.text(
            Obj.of()
                .always("id", id)
                .always("object", "chat.completion.chunk")
                .always("created", created)
                .always("model", model)
                .always(
                    "choices",
                    List.of(
                        Obj.of()
                            .always("index", 0)
                            .always("delta", delta)
                            .always("logprobs", null)
                            .always("finish_reason", finish))))
        + "\n\n";
  }

  private static Obj usage(Completion c) {
    return Obj.of()
        .always("prompt_tokens", c.inputTokens())
        .always("completion_tokens", c.outputTokens())
        .always("total_tokens", c.totalTokens());
  }
}
