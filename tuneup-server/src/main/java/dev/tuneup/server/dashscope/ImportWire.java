package dev.tuneup.server.dashscope;

import dev.tuneup.registry.ImportSource;
import dev.tuneup.registry.ImportStatus;
import dev.tuneup.registry.ModelImport;
import dev.tuneup.server.http.Obj;

/**
 * The custom model object of Model Studio's import API ({@code job_id}, {@code model_name}, {@code
 * display_name}, {@code source} in upper case, {@code weight_type}, {@code storage_info}, {@code
 * status}, {@code gmt_create}, and {@code error_code} with the reason once FAILED), with tuneup's
 * extensions: {@code base_model}, {@code progress} while RUNNING, {@code commit} of a hub source,
 * {@code message} (what was imported, once SUCCEEDED) and {@code end_time}. Also the shape of an
 * administrator's pull.
 */
public final class ImportWire {
  private final WireTime time;

  public ImportWire(WireTime time) {
    this.time = time;
  }

  public Obj of(ModelImport i) {
    Obj storage = Obj.of();
    if (i.source() == ImportSource.PATH) {
      storage.always("path", i.location());
    } else {
      storage.always("repo_id", i.location()).always("revision", i.revision());
    }
    Obj o =
        Obj.of()
            .always("job_id", i.id())
            .always("model_name", i.modelName())
            .always("display_name", i.displayName())
            .with("base_model", i.baseModel())
            .always("source", i.source().wire().toUpperCase(java.util.Locale.ROOT))
            .always("weight_type", i.weightType().wire())
            .always("storage_info", storage)
            .always("status", i.status().name())
            .always("gmt_create", time.isoOffset(i.createdAt()))
            .with("commit", i.commit())
            .with("end_time", time.isoOffset(i.endedAt()));
    if (i.status() == ImportStatus.RUNNING || i.status() == ImportStatus.PENDING) {
      o.always(
          "progress",
          Obj.of()
              .always("bytes_done", i.bytesDone())
              .always("bytes_total", i.bytesTotal())
              .with("file", i.currentFile()));
    }
    if (i.status() == ImportStatus.FAILED) {
      o.always("error_code", i.message());
    } else {
      o.with("message", i.message());
    }
    return o;
  }
}
