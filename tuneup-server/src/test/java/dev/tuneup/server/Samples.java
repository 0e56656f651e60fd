package dev.tuneup.server;

/** Request bodies and files as real clients send them. */
public final class Samples {
  private Samples() {}

  public static final String TRAIN_JSONL =
      "{\"messages\":[{\"role\":\"system\",\"content\":\"You are helpful.\"},"
          + "{\"role\":\"user\",\"content\":\"What is tuneup?\"},"
          + "{\"role\":\"assistant\",\"content\":\"A fine-tuning service.\"}]}\n"
          + "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},"
          + "{\"role\":\"assistant\",\"content\":\"Hello!\"}]}\n";

  /** The body the Python SDK sends for {@code FineTunes.call(model, file)}. */
  public static String sdkCreate(String model, String fileId, String hyperParameters) {
    return "{\"model\": \""
        + model
        + "\", \"training_file_ids\": [\""
        + fileId
        + "\"],"
        + " \"validation_file_ids\": null, \"hyper_parameters\": "
        + hyperParameters
        + "}";
  }

  /** Scripted trainer settings: {@code steps} steps of {@code stepMs} each. */
  public static String scripted(int steps, int stepMs) {
    return "{\"test_steps\": " + steps + ", \"test_step_ms\": " + stepMs + "}";
  }
}
