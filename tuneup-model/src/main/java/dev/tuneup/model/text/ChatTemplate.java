package dev.tuneup.model.text;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Minimal stand-in on the model branch for the text engineer's chat template (same signatures):
 * renders ChatML, which is what the Qwen templates produce for plain system/user/assistant turns.
 * The lead keeps the Jinja-based one when merging.
 */
public final class ChatTemplate {

  private ChatTemplate() {}

  public static ChatTemplate load(Path modelDir) {
    return new ChatTemplate();
  }

  public String render(List<Map<String, Object>> messages, boolean addGenerationPrompt) {
    StringBuilder sb = new StringBuilder();
    for (Map<String, Object> m : messages) {
      sb.append("<|im_start|>")
          .append(m.get("role"))
          .append('\n')
          .append(m.get("content"))
          .append("<|im_end|>\n");
    }
    if (addGenerationPrompt) {
      sb.append("<|im_start|>assistant\n");
    }
    return sb.toString();
  }
}
