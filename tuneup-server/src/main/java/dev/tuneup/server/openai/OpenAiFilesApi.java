package dev.tuneup.server.openai;

import dev.tuneup.auth.Caller;
import dev.tuneup.common.Page;
import dev.tuneup.common.PageRequest;
import dev.tuneup.error.InvalidParameter;
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
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code /v1/files}: OpenAI's file API on tuneup's {@link FileService}: the same validation and
 * store, so a file uploaded through either surface is visible through the other.
 */
public final class OpenAiFilesApi {
  private static final int MAX_LIMIT = 10_000;

  private final FileService files;
  private final OpenAiWire wire;
  private final Multipart multipart;

  public OpenAiFilesApi(FileService files, OpenAiWire wire, Multipart multipart) {
    this.files = files;
    this.wire = wire;
    this.multipart = multipart;
  }

  /** Multipart: one {@code file} part and {@code purpose} (OpenAI requires it). */
  public void upload(Context ctx) {
    String type = ctx.contentType();
    if (type == null || !type.toLowerCase().startsWith("multipart/form-data")) {
      throw new BadRequestBody("Upload a file as multipart/form-data with a 'file' part.");
    }
    try {
      String purpose = multipart.field(ctx, "purpose");
      if (purpose == null || purpose.isBlank()) {
        throw new InvalidParameter("purpose", "Missing purpose: send purpose=fine-tune.");
      }
      UploadedFile part = multipart.file(ctx, "file");
      if (part == null) {
        throw new InvalidParameter("file", "Missing file: send the data as the 'file' part.");
      }
      UploadResult result =
          files.upload(
              Requests.caller(ctx),
              List.of(new IncomingFile(part.filename(), null, part::content)),
              purpose);
      if (!result.failed().isEmpty()) {
        throw new InvalidParameter("file", OpenAiErrors.uploadMessage(result.failed().get(0)));
      }
      Requests.ok(ctx, wire.file(result.uploaded().get(0)));
    } finally {
      multipart.release(ctx);
    }
  }

  /** Newest first; {@code purpose} filters, {@code after} is the last id of the previous page. */
  public void list(Context ctx) {
    Caller caller = Requests.caller(ctx);
    Integer limitParam = Requests.intQuery(ctx, "limit");
    int limit = limitParam == null ? MAX_LIMIT : limitParam;
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new InvalidParameter("limit", "limit must be between 1 and " + MAX_LIMIT + ".");
    }
    String purpose = ctx.queryParam("purpose");
    String after = ctx.queryParam("after");
    boolean ascending = "asc".equals(ctx.queryParam("order"));
    List<StoredFile> all = new ArrayList<>();
    for (int no = 1; ; no++) {
      Page<StoredFile> page =
          files.list(
              caller, PageRequest.of(no, PageRequest.MAX_PAGE_SIZE, PageRequest.MAX_PAGE_SIZE));
      all.addAll(page.items());
      if (page.items().size() < PageRequest.MAX_PAGE_SIZE) {
        break;
      }
    }
    if (ascending) {
      java.util.Collections.reverse(all);
    }
    List<Obj> data = new ArrayList<>();
    boolean started = after == null || after.isBlank();
    boolean more = false;
    for (StoredFile f : all) {
      if (!started) {
        started = f.id().equals(after);
        continue;
      }
      if (purpose != null && !purpose.isBlank() && !purpose.equals(f.purpose())) {
        continue;
      }
      if (data.size() == limit) {
        more = true;
        break;
      }
      data.add(wire.file(f));
    }
    Requests.ok(
        ctx,
        Obj.of()
            .always("object", "list")
            .always("data", data)
            .always("first_id", data.isEmpty() ? null : data.get(0).get("id"))
            .always("last_id", data.isEmpty() ? null : data.get(data.size() - 1).get("id"))
            .always("has_more", more));
  }

  public void get(Context ctx) {
    Requests.ok(ctx, wire.file(files.get(Requests.caller(ctx), ctx.pathParam("file_id"))));
  }

  public void delete(Context ctx) {
    String id = ctx.pathParam("file_id");
    files.delete(Requests.caller(ctx), id);
    Requests.ok(ctx, Obj.of().always("id", id).always("object", "file").always("deleted", true));
  }

  public void content(Context ctx) throws IOException {
    ctx.status(200);
    ctx.contentType("application/octet-stream");
    ctx.result(Files.newInputStream(files.content(Requests.caller(ctx), ctx.pathParam("file_id"))));
  }
}
