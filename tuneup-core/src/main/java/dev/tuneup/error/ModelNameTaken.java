package dev.tuneup.error;

/**
 * The caller's own tenant already holds a model, or a job's reserved output, of that name. Names
 * are per tenant: another tenant's names never cause this.
 */
public final class ModelNameTaken extends Conflict {
  private final String name;

  public ModelNameTaken(String name) {
    super(
        "Model "
            + name
            + " already exists (or is the finetuned_output of one of your jobs), please choose"
            + " another name.");
    this.name = name;
  }

  public String name() {
    return name;
  }
}
