package dev.tuneup.job;

import dev.tuneup.error.InvalidParameter;

/** The names a job gives its result. */
public final class JobNames {
  /** Letters, digits, '.', '_' or '-', starting with a letter or digit, at most 128. */
  public static final String MODEL_NAME = "[A-Za-z0-9][A-Za-z0-9._-]{0,127}";

  private JobNames() {}

  /** The {@code finetuned_output} of a job that names none: {@code <model>[-<suffix>]-<job id>}. */
  public static String defaultOutput(String model, String suffix, String jobId) {
    return model + (suffix == null ? "" : "-" + suffix) + "-" + jobId;
  }

  /**
   * @throws InvalidParameter naming {@code field} when {@code name} is not a valid model name
   */
  public static String checkName(String field, String name) {
    if (!name.matches(MODEL_NAME)) {
      throw new InvalidParameter(
          field,
          field
              + " must be 1-128 letters, digits, '.', '_' or '-', starting with a letter or"
              + " digit.");
    }
    return name;
  }
}
