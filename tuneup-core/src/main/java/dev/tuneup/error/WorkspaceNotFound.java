package dev.tuneup.error;

/** The workspace named by the request does not exist or the caller is not a member. */
public final class WorkspaceNotFound extends TuneupException {
  private final String workspaceId;

  public WorkspaceNotFound(String workspaceId) {
    super("WorkSpace can not be found: " + workspaceId);
    this.workspaceId = workspaceId;
  }

  public String workspaceId() {
    return workspaceId;
  }

  @Override
  public <R> R accept(Cases<R> cases) {
    return cases.workspaceNotFound(this);
  }
}
