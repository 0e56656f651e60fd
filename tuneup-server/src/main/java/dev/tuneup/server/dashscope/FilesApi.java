package dev.tuneup.server.dashscope;

import dev.tuneup.common.Page;
import dev.tuneup.common.PageRequest;
import dev.tuneup.file.FileService;
import dev.tuneup.file.IncomingFile;
import dev.tuneup.file.StoredFile;
import dev.tuneup.file.UploadResult;
import dev.tuneup.server.http.BadRequestBody;
import dev.tuneup.server.http.Multipart;
import dev.tuneup.server.http.Obj;
import dev.tuneup.server.http.Requests;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** {@code /api/v1/files}: upload, list, get, delete, content (spec §3.2). */
public final class FilesApi {
  private final FileService files;
  private final FileWire wire;
  private final Multipart multipart;
  private final Supplier<String> publicUrl;

  /**
   * {@code publicUrl} gives the base of file {@code url}s ({@code http.public-url}, else the
   * listener's own address); the request's Host header is never echoed.
   */
  public FilesApi(
      FileService files, FileWire wire, Multipart multipart, Supplier<String> publicUrl) {
    this.publicUrl = publicUrl;
    this.files = files;
    this.wire = wire;
    this.multipart = multipart;
  }

  /**
   * Multipart upload: repeatable {@code files} parts, {@code descriptions} matched to them in
   * order, optional {@code purpose} (the Python SDK never sends it).
   */
  public void upload(Context ctx) {
    String type = ctx.contentType();
    if (type == null || !type.toLowerCase().startsWith("multipart/form-data")) {
      throw new BadRequestBody(
          "Upload files as multipart/form-data with one or more 'files' parts.");
    }
    try {
      List<UploadedFile> parts = multipart.files(ctx, "files");
      List<String> descriptions = multipart.fields(ctx, "descriptions");
      List<IncomingFile> incoming = new ArrayList<>();
      for (int i = 0; i < parts.size(); i++) {
        UploadedFile part = parts.get(i);
        String description = i < descriptions.size() ? descriptions.get(i) : null;
        incoming.add(new IncomingFile(part.filename(), description, part::content));
      }
      UploadResult result =
          files.upload(Requests.caller(ctx), incoming, multipart.field(ctx, "purpose"));
      Requests.data(
          ctx,
          Obj.of()
              .always(
                  "uploaded_files",
                  result.uploaded().stream()
                      .map(f -> Obj.of().always("file_id", f.id()).always("name", f.name()))
                      .toList())
              .always(
                  "failed_uploads",
                  result.failed().stream()
                      .map(
                          f ->
                              Obj.of()
                                  .always("name", f.name())
                                  .always("code", DashScopeErrors.uploadCode(f))
                                  .always("message", DashScopeErrors.uploadMessage(f)))
                      .toList()));
    } finally {
      multipart.release(ctx);
    }
  }

  public void list(Context ctx) {
    PageRequest page =
        PageRequest.of(
            Requests.intQuery(ctx, "page_no"),
            Requests.intQuery(ctx, "page_size"),
            PageRequest.MAX_PAGE_SIZE);
    Page<StoredFile> result = files.list(Requests.caller(ctx), page);
    String base = baseUrl(ctx);
    Requests.data(
        ctx,
        Obj.of()
            .always("total", result.total())
            .always("page_size", result.pageSize())
            .always("page_no", result.pageNo())
            .always("files", result.items().stream().map(f -> wire.of(f, base)).toList()));
  }

  public void get(Context ctx) {
    StoredFile f = files.get(Requests.caller(ctx), ctx.pathParam("file_id"));
    Requests.data(ctx, wire.of(f, baseUrl(ctx)));
  }

  /** The documented success body is only the request id. */
  public void delete(Context ctx) {
    files.delete(Requests.caller(ctx), ctx.pathParam("file_id"));
    Requests.ok(ctx, Obj.of().always("request_id", Requests.requestId(ctx)));
  }

  public void content(Context ctx) throws java.io.IOException {
    StoredFile f = files.get(Requests.caller(ctx), ctx.pathParam("file_id"));
    Path path = files.content(Requests.caller(ctx), f.id());
    ctx.status(200);
    ctx.contentType("application/octet-stream");
    ctx.header(
        "Content-Disposition", "attachment; filename=\"" + f.name().replace("\"", "") + "\"");
    ctx.result(Files.newInputStream(path));
  }

  private String baseUrl(Context ctx) {
    return publicUrl.get();
  }
}
