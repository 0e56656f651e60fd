package dev.tuneup.trainer.data;

import java.util.List;

/**
 * The examples read from a set of files and what was left out.
 *
 * @param examples usable examples in file and line order
 * @param conversations conversations read (non-blank lines)
 * @param droppedTooLong conversations longer than max_length in tokens, left out whole
 * @param droppedWithoutAssistant conversations with no assistant message, so nothing to learn
 * @param tokens tokens in {@code examples}
 */
public record LoadedDataset(
    List<SftExample> examples,
    int conversations,
    int droppedTooLong,
    int droppedWithoutAssistant,
    long tokens) {

  public LoadedDataset {
    examples = List.copyOf(examples);
  }
}
