package dev.tuneup.inference.engine;

import ai.djl.ndarray.NDManager;
import dev.tuneup.inference.ChatMessage;
import dev.tuneup.model.lora.LoraAdapter;
import dev.tuneup.model.nn.Transformer;
import dev.tuneup.model.text.ChatTemplate;
import dev.tuneup.model.text.Tokenizer;
import dev.tuneup.registry.ResolvedModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One model in memory, ready to decode: its weights (a LoRA adapter merged in, or attached), its
 * tokenizer, its own chat template and the ids that end a turn.
 *
 * <p>Weights are read-only after loading, so several requests decode on them at once, each with its
 * own KV cache. Rendering the template is serialised (the Jinja interpreter is not known to be
 * thread-safe; it costs microseconds).
 */
final class LoadedModel implements AutoCloseable {
  /** How a LoRA adapter is applied: merged into the weights once, or added at every projection. */
  enum LoraMode {
    MERGED,
    ON_THE_FLY
  }

  private final Transformer model;
  private final LoraAdapter adapter;
  private final Tokenizer tokenizer;
  private final ChatTemplate template;
  private final int[] endIds;

  private LoadedModel(
      Transformer model, LoraAdapter adapter, Tokenizer tokenizer, ChatTemplate template) {
    this.model = model;
    this.adapter = adapter;
    this.tokenizer = tokenizer;
    this.template = template;
    this.endIds = tokenizer.eosTokenIds();
  }

  /**
   * Loads the full weights of {@code m} and, for a LoRA result, its adapter.
   *
   * @throws IllegalArgumentException or {@link UncheckedIOException} saying what is missing
   */
  static LoadedModel load(ResolvedModel m, NDManager root, LoraMode mode) {
    if (m.weightsPath() == null || !Files.isRegularFile(m.weightsPath().resolve("config.json"))) {
      throw new IllegalArgumentException(
          "no config.json in " + m.weightsPath() + ": not a Hugging Face model directory");
    }
    Path textDir = m.weightsPath();
    if (m.adapterPath() != null && Files.isRegularFile(m.adapterPath().resolve("tokenizer.json"))) {
      textDir = m.adapterPath();
    }
    Transformer t = Transformer.load(m.weightsPath(), root);
    LoraAdapter adapter = null;
    Tokenizer tok = null;
    try {
      if (m.adapterPath() != null) {
        if (!Files.isRegularFile(m.adapterPath().resolve("adapter_config.json"))) {
          throw new IllegalArgumentException(
              "no adapter_config.json in " + m.adapterPath() + ": not a LoRA adapter directory");
        }
        adapter = LoraAdapter.load(m.adapterPath(), t);
        if (mode == LoraMode.MERGED) {
          adapter.mergeInto(t);
          adapter.close();
          adapter = null;
        } else {
          t.setLora(adapter);
        }
      }
      t.prepareDecoding();
      tok = Tokenizer.load(textDir);
      ChatTemplate template = ChatTemplate.load(textDir);
      return new LoadedModel(t, adapter, tok, template);
    } catch (IOException e) {
      close(t, adapter, tok);
      throw new UncheckedIOException("cannot read the adapter in " + m.adapterPath(), e);
    } catch (RuntimeException e) {
      close(t, adapter, tok);
      throw e;
    }
  }

  Transformer model() {
    return model;
  }

  Tokenizer tokenizer() {
    return tokenizer;
  }

  int[] endIds() {
    return endIds.clone();
  }

  /** The prompt's token ids: the conversation rendered with the model's template. */
  int[] prompt(List<ChatMessage> messages) {
    List<Map<String, Object>> turns = new ArrayList<>();
    for (ChatMessage m : messages) {
      Map<String, Object> turn = new HashMap<>();
      turn.put("role", m.role());
      turn.put("content", m.content());
      turns.add(turn);
    }
    String text;
    synchronized (template) {
      // Qwen3 templates train answers behind an empty <think></think> block; asking for no
      // thinking writes that block into the prompt, so the model goes straight to its answer.
      text = template.render(turns, true, Map.of("enable_thinking", false));
    }
    return tokenizer.encode(text);
  }

  String decode(int[] ids) {
    return tokenizer.decode(ids, true);
  }

  @Override
  public void close() {
    close(model, adapter, tokenizer);
  }

  private static void close(Transformer t, LoraAdapter a, Tokenizer tok) {
    if (a != null) {
      a.close();
    }
    if (tok != null) {
      tok.close();
    }
    if (t != null) {
      t.close();
    }
  }
}
