package dev.tuneup.error;

/**
 * A resource does not exist for the caller. Another user's or workspace's resource is reported the
 * same way, so that ids cannot be probed.
 */
public class NotFound extends TuneupException {
  private final String resource;
  private final String id;

  public NotFound(String resource, String id, String message) {
    super(message);
    this.resource = resource;
    this.id = id;
  }

  public static NotFound job(String jobId) {
    return new NotFound("job", jobId, "Not found!");
  }

  public static NotFound file(String fileId) {
    return new NotFound("file", fileId, "File not found: " + fileId);
  }

  public static NotFound model(String model) {
    return new NotFound("model", model, "Model: " + model + " not found!");
  }

  public String resource() {
    return resource;
  }

  public String id() {
    return id;
  }
}
