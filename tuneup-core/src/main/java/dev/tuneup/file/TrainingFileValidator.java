package dev.tuneup.file;

import java.nio.file.Path;
import java.util.List;

/** Checks an uploaded fine-tune file before it is accepted. */
public interface TrainingFileValidator {
  /** Problems found, each naming its 1-based line; at most {@code maxProblems}; empty if valid. */
  Result validate(Path file, int maxProblems);

  /** The outcome: problems (empty when valid) and the number of non-blank lines. */
  record Result(List<String> problems, long lines) {
    public Result {
      problems = List.copyOf(problems);
    }

    public boolean valid() {
      return problems.isEmpty();
    }
  }
}
