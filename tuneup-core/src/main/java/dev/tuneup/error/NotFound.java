package dev.tuneup.error;

/**
 * A resource does not exist for the caller. Another user's or workspace's resource is reported the
 * same way, so that ids cannot be probed.
 */
public sealed class NotFound extends TuneupException permits ModelNotFound {
  private final String resource;
  private final String id;

  public NotFound(String resource, String id, String message) {
    super(message);
    this.resource = resource;
    this.id = id;
  }

  /** A resource of kind {@code resource} with the given id, reported as "job x not found.". */
  public NotFound(String resource, String id) {
    this(resource, id, resource + " " + id + " not found.");
  }

  public static NotFound job(String jobId) {
    return new NotFound("job", jobId);
  }

  public static NotFound file(String fileId) {
    return new NotFound("file", fileId);
  }

  public static NotFound model(String model) {
    return new NotFound("model", model);
  }

  public String resource() {
    return resource;
  }

  public String id() {
    return id;
  }

  @Override
  public <R> R accept(Cases<R> cases) {
    return cases.notFound(this);
  }
}
