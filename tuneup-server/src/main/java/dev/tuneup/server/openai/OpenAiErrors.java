package dev.tuneup.server.openai;

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
import dev.tuneup.server.http.ErrorMapper.OpenAiError;
import java.util.Map;

/**
 * OpenAI's answer to each kind of error: the statuses OpenAI uses (401 {@code invalid_api_key},
 * 404, 400 {@code invalid_request_error}, 429 {@code rate_limit_exceeded}) so its SDKs raise the
 * matching exception, with {@code param} in OpenAI's field names.
 */
public final class OpenAiErrors implements TuneupException.Cases<OpenAiError> {
  public static final OpenAiErrors INSTANCE = new OpenAiErrors();

  private static final String INVALID = "invalid_request_error";

  /**
   * DashScope field names that the shared services report, as the OpenAI surface names them, so an
   * OpenAI client sees {@code param} in its own vocabulary.
   */
  private static final Map<String, String> PARAMS =
      Map.of(
          "training_file_ids", "training_file",
          "validation_file_ids", "validation_file",
          "finetuned_output_suffix", "suffix",
          "files", "file",
          "page_size", "limit");

  private OpenAiErrors() {}

  @Override
  public OpenAiError unauthenticated(Unauthenticated e) {
    return new OpenAiError(401, INVALID, "invalid_api_key", null, e.getMessage());
  }

  @Override
  public OpenAiError workspaceNotFound(WorkspaceNotFound e) {
    return new OpenAiError(404, INVALID, "workspace_not_found", null, e.getMessage());
  }

  @Override
  public OpenAiError accessDenied(AccessDenied e) {
    return new OpenAiError(403, INVALID, "access_denied", null, e.getMessage());
  }

  @Override
  public OpenAiError modelNotFound(ModelNotFound e) {
    return new OpenAiError(404, INVALID, "model_not_found", "model", e.getMessage());
  }

  @Override
  public OpenAiError notFound(NotFound e) {
    String message =
        e.id() == null ? e.getMessage() : "No " + e.resource() + " found with id '" + e.id() + "'.";
    return new OpenAiError(404, INVALID, "not_found", "id", message);
  }

  @Override
  public OpenAiError invalidParameter(InvalidParameter e) {
    return new OpenAiError(400, INVALID, null, param(e.field()), withNextStep(e));
  }

  @Override
  public OpenAiError operationDenied(OperationDenied e) {
    return new OpenAiError(400, INVALID, "invalid_state", null, withNextStep(e));
  }

  @Override
  public OpenAiError operationNotAllowed(OperationNotAllowed e) {
    return new OpenAiError(400, INVALID, "invalid_state", null, withNextStep(e));
  }

  @Override
  public OpenAiError quotaExceeded(QuotaExceeded e) {
    return new OpenAiError(429, "requests", "rate_limit_exceeded", null, e.getMessage());
  }

  @Override
  public OpenAiError conflict(Conflict e) {
    return new OpenAiError(409, INVALID, "conflict", null, e.getMessage());
  }

  @Override
  public OpenAiError requestTooLarge(RequestTooLarge e) {
    return new OpenAiError(413, INVALID, "request_too_large", null, e.getMessage());
  }

  private static String withNextStep(TuneupException e) {
    NextStep step = e.nextStep();
    if (step == null) {
      return e.getMessage();
    }
    return e.getMessage()
        + switch (step.kind()) {
          case LIST_BASE_MODELS -> " Base models are listed by GET /v1/models.";
          // Deployments have no OpenAI endpoint; the message already says what to delete.
          case DELETE_DEPLOYMENT -> "";
        };
  }

  private static String param(String field) {
    if (field == null || field.equals("body")) {
      return null;
    }
    if (field.startsWith("hyper_parameters.")) {
      return "hyperparameters." + field.substring("hyper_parameters.".length());
    }
    return PARAMS.getOrDefault(field, field);
  }

  /** The message for a file that an upload did not store. */
  public static String uploadMessage(FailedUpload f) {
    return switch (f.refusal()) {
      case TOO_MANY_FILES ->
          "You already have " + f.used() + " of " + f.limit() + " files: delete some first.";
      case FILE_TOO_LARGE -> "The file is larger than the limit of " + f.limit() + " bytes.";
      case STORAGE_FULL ->
          "Your files use "
              + f.used()
              + " of "
              + f.limit()
              + " bytes and this one does not fit: delete some first.";
    };
  }
}
