package dev.tuneup.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuneup.error.InvalidParameter;
import dev.tuneup.error.ModelNotFound;
import dev.tuneup.error.NextStep;
import dev.tuneup.error.NotFound;
import dev.tuneup.error.OperationDenied;
import dev.tuneup.error.OperationNotAllowed;
import dev.tuneup.file.UploadResult.FailedUpload;
import dev.tuneup.file.UploadResult.Refusal;
import dev.tuneup.server.dashscope.DashScopeErrors;
import dev.tuneup.server.http.ErrorMapper.OpenAiError;
import dev.tuneup.server.http.ErrorMapper.WireError;
import org.junit.jupiter.api.Test;

class ErrorMapperTest {
  @Test
  void a_missing_job_is_dashscopes_not_found_text_and_openais_own() {
    assertThat(ErrorMapper.map(NotFound.job("ft-1"), "r"))
        .isEqualTo(new WireError(404, "NotFound", "Not found!"));
    assertThat(ErrorMapper.mapOpenAi(NotFound.job("ft-1"), "r"))
        .isEqualTo(
            new OpenAiError(
                404, "invalid_request_error", "not_found", "id", "No job found with id 'ft-1'."));
  }

  @Test
  void missing_files_models_and_deployments_keep_dashscopes_texts() {
    assertThat(ErrorMapper.map(NotFound.file("file-1"), "r").message())
        .isEqualTo("File not found: file-1");
    assertThat(ErrorMapper.map(NotFound.model("qwen"), "r").message())
        .isEqualTo("Model: qwen not found!");
    assertThat(ErrorMapper.map(new NotFound("deployment", "d-1"), "r").message())
        .isEqualTo("Model: d-1 not found!");
    assertThat(ErrorMapper.map(new NotFound("import", "i-1"), "r").message())
        .isEqualTo("Not found!");
  }

  @Test
  void an_undeployed_model_points_to_the_deployments_path_only_on_dashscope() {
    WireError ds = ErrorMapper.map(new ModelNotFound("m"), "r");
    assertThat(ds.code()).isEqualTo("ModelNotFound");
    assertThat(ds.message())
        .isEqualTo(
            "The model m does not exist. Deploy a model with POST /api/v1/deployments and call it"
                + " by its deployed_model once it is RUNNING.");
    assertThat(ErrorMapper.mapOpenAi(new ModelNotFound("m"), "r").message())
        .isEqualTo("The model m does not exist.")
        .doesNotContain("/api/v1");
  }

  @Test
  void a_next_step_is_worded_with_each_surfaces_own_path() {
    InvalidParameter e = new InvalidParameter("model", "Model x not found.");
    e.then(NextStep.listBaseModels());
    assertThat(ErrorMapper.map(e, "r").message())
        .isEqualTo("Model x not found. Base models are listed by GET /api/v1/models.");
    assertThat(ErrorMapper.mapOpenAi(e, "r").message())
        .isEqualTo("Model x not found. Base models are listed by GET /v1/models.");
  }

  @Test
  void operation_denied_and_not_allowed_keep_their_distinct_dashscope_codes() {
    assertThat(ErrorMapper.map(new OperationDenied("busy"), "r"))
        .isEqualTo(new WireError(400, "OperationDenied", "busy"));
    assertThat(ErrorMapper.map(new OperationNotAllowed("no"), "r"))
        .isEqualTo(new WireError(400, "UnsupportedOperation", "no"));
    assertThat(ErrorMapper.mapOpenAi(new OperationDenied("busy"), "r").code())
        .isEqualTo("invalid_state");
  }

  @Test
  void an_unexpected_exception_is_an_internal_error_naming_the_request() {
    assertThat(ErrorMapper.map(new IllegalStateException("bug"), "req-9"))
        .isEqualTo(new WireError(500, "InternalError", "Internal server error! request_id req-9"));
    assertThat(ErrorMapper.mapOpenAi(new IllegalStateException("bug"), "req-9").status())
        .isEqualTo(500);
  }

  @Test
  void upload_refusals_carry_dashscopes_codes_and_texts() {
    FailedUpload many = new FailedUpload("a.jsonl", Refusal.TOO_MANY_FILES, 3, 3);
    FailedUpload big = new FailedUpload("a.jsonl", Refusal.FILE_TOO_LARGE, 0, 10);
    FailedUpload full = new FailedUpload("a.jsonl", Refusal.STORAGE_FULL, 90, 100);
    assertThat(DashScopeErrors.uploadCode(many)).isEqualTo("BadRequest.TooMany");
    assertThat(DashScopeErrors.uploadMessage(many))
        .isEqualTo("Out of number, <3> of <3> files has been uploaded.");
    assertThat(DashScopeErrors.uploadCode(big)).isEqualTo("BadRequest.TooLarge");
    assertThat(DashScopeErrors.uploadMessage(big))
        .isEqualTo("Out of space, the file is larger than the limit of 10 B per file.");
    assertThat(DashScopeErrors.uploadCode(full)).isEqualTo("BadRequest.TooLarge");
    assertThat(DashScopeErrors.uploadMessage(full))
        .isEqualTo("Out of space, <90> B of <100> B storage space has been used.");
  }
}
