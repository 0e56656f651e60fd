package dev.tuneup.model.check;

import java.util.List;

/**
 * A model directory that would not load, with every problem found, each naming the file (and the
 * tensor or key) at fault.
 */
public final class ModelCheckException extends RuntimeException {
  private final List<String> problems;

  public ModelCheckException(List<String> problems) {
    super(String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
