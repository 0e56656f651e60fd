package dev.tuneup.server.dashscope;

import dev.tuneup.error.AccessDenied;
import dev.tuneup.error.Conflict;
import dev.tuneup.error.InvalidParameter;
import dev.tuneup.error.ModelNotFound;
import dev.tuneup.error.NextStep;
import dev.tuneup.error.NotFound;
import dev.tuneup.error.OperationDenied;
import dev.tuneup.error.OperationNotAllowed;
import dev.tuneup.error.QuotaExceeded;
import dev.tuneup.error.RequestTooLarge;
import dev.tuneup.error.TuneupException;
import dev.tuneup.error.Unauthenticated;
import dev.tuneup.error.WorkspaceNotFound;
import dev.tuneup.file.UploadResult.FailedUpload;
import dev.tuneup.server.http.ErrorMapper.WireError;

/**
 * DashScope's answer to each kind of error: its status, code and message, with DashScope's own
 * texts ({@code "Not found!"} for a job, {@code "Model: x not found!"}) and its paths in the next
 * steps. The one place that knows them; {@link dev.tuneup.server.http.ErrorMapper} calls it.
 */
public final class DashScopeErrors implements TuneupException.Cases<WireError> {
  public static final DashScopeErrors INSTANCE = new DashScopeErrors();

  private DashScopeErrors() {}

  @Override
  public WireError unauthenticated(Unauthenticated e) {
    return new WireError(401, "InvalidApiKey", e.getMessage());
  }

  @Override
  public WireError workspaceNotFound(WorkspaceNotFound e) {
    return new WireError(404, "WorkSpaceNotFound", e.getMessage());
  }

  @Override
  public WireError accessDenied(AccessDenied e) {
    return new WireError(403, "AccessDenied", e.getMessage());
  }

  @Override
  public WireError modelNotFound(ModelNotFound e) {
    return new WireError(
        404,
        "ModelNotFound",
        e.getMessage()
            + " Deploy a model with POST /api/v1/deployments and call it by its deployed_model"
            + " once it is RUNNING.");
  }

  @Override
  public WireError notFound(NotFound e) {
    // Model Studio's texts, kept word for word: SDKs and scripts match on them.
    String message =
        switch (e.resource()) {
          case "job", "pull", "import" -> "Not found!";
          case "file" -> "File not found: " + e.id();
          case "model", "deployment" -> "Model: " + e.id() + " not found!";
          default -> e.getMessage();
        };
    return new WireError(404, "NotFound", message);
  }

  @Override
  public WireError invalidParameter(InvalidParameter e) {
    return new WireError(400, "InvalidParameter", withNextStep(e));
  }

  @Override
  public WireError operationDenied(OperationDenied e) {
    return new WireError(400, "OperationDenied", withNextStep(e));
  }

  @Override
  public WireError operationNotAllowed(OperationNotAllowed e) {
    return new WireError(400, "UnsupportedOperation", withNextStep(e));
  }

  @Override
  public WireError quotaExceeded(QuotaExceeded e) {
    return new WireError(429, "Throttling", e.getMessage());
  }

  @Override
  public WireError conflict(Conflict e) {
    return new WireError(409, "Conflict", e.getMessage());
  }

  @Override
  public WireError requestTooLarge(RequestTooLarge e) {
    return new WireError(413, "RequestTooLarge", e.getMessage());
  }

  private static String withNextStep(TuneupException e) {
    NextStep step = e.nextStep();
    if (step == null) {
      return e.getMessage();
    }
    return e.getMessage()
        + switch (step.kind()) {
          case LIST_BASE_MODELS -> " Base models are listed by GET /api/v1/models.";
          case DELETE_DEPLOYMENT -> " (DELETE /api/v1/deployments/" + step.target() + ")";
        };
  }

  /** DashScope's code for a file that an upload did not store. */
  public static String uploadCode(FailedUpload f) {
    return switch (f.refusal()) {
      case TOO_MANY_FILES -> "BadRequest.TooMany";
      case FILE_TOO_LARGE, STORAGE_FULL -> "BadRequest.TooLarge";
    };
  }

  /** DashScope's message for a file that an upload did not store. */
  public static String uploadMessage(FailedUpload f) {
    return switch (f.refusal()) {
      case TOO_MANY_FILES ->
          "Out of number, <" + f.used() + "> of <" + f.limit() + "> files has been uploaded.";
      case FILE_TOO_LARGE ->
          "Out of space, the file is larger than the limit of " + f.limit() + " B per file.";
      case STORAGE_FULL ->
          "Out of space, <"
              + f.used()
              + "> B of <"
              + f.limit()
              + "> B storage space has been used.";
    };
  }
}
