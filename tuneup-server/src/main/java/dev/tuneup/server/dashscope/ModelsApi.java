package dev.tuneup.server.dashscope;

import dev.tuneup.auth.Caller;
import dev.tuneup.common.PageRequest;
import dev.tuneup.registry.BaseModel;
import dev.tuneup.registry.FineTunedModel;
import dev.tuneup.registry.ModelCatalog;
import dev.tuneup.server.http.Obj;
import dev.tuneup.server.http.Requests;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code GET /api/v1/models[?model=]}: base models (with their {@code source}: {@code config},
 * {@code path} or {@code hub:<repo>@<commit>}) and the caller's fine-tuned and imported models. The
 * SDK's {@code Models.get} asks with {@code ?model=NAME&page_no=1&page_size=1} and takes {@code
 * output.models[0]}.
 */
public final class ModelsApi {
  private final ModelCatalog catalog;
  private final WireTime time;

  public ModelsApi(ModelCatalog catalog, WireTime time) {
    this.catalog = catalog;
    this.time = time;
  }

  public void list(Context ctx) {
    Caller caller = Requests.caller(ctx);
    PageRequest page =
        PageRequest.of(
            Requests.intQuery(ctx, "page_no"),
            Requests.intQuery(ctx, "page_size"),
            PageRequest.MAX_PAGE_SIZE);
    String only = ctx.queryParam("model");
    List<Obj> all = new ArrayList<>();
    for (BaseModel b : catalog.baseModels()) {
      all.add(
          Obj.of()
              .always("model", b.id())
              .always("model_name", b.id())
              .always("base_model", b.id())
              .always("type", "base")
              .always("source", b.source())
              .with("create_time", time.plain(b.registeredAt())));
    }
    for (FineTunedModel m : catalog.fineTuned().list(caller)) {
      // fine-tune job ids are ft-…; anything else registered a model through an import
      boolean imported = m.jobId() != null && !m.jobId().startsWith("ft-");
      all.add(
          Obj.of()
              .always("model", m.name())
              .always("model_name", m.name())
              .always("base_model", m.baseModel())
              .always("parent_model", m.parentModel())
              .always("type", imported ? "imported" : "fine-tuned")
              .always("training_type", m.trainingType().dashScopeName())
              .always(imported ? "import_job_id" : "job_id", m.jobId())
              .always("create_time", time.plain(m.createdAt())));
    }
    if (only != null && !only.isBlank()) {
      all.removeIf(o -> !only.equals(o.get("model")));
    }
    int from = (int) Math.min(all.size(), page.offset());
    int to = Math.min(all.size(), from + page.pageSize());
    Requests.output(
        ctx,
        Obj.of()
            .always("page_no", page.pageNo())
            .always("page_size", page.pageSize())
            .always("total", all.size())
            .always("models", all.subList(from, to)));
  }
}
