package dev.tuneup.server.dashscope;

import dev.tuneup.file.StoredFile;
import dev.tuneup.server.http.Obj;

/** The DashScope file object (spec §3.2). */
public final class FileWire {
  private final WireTime time;

  public FileWire(WireTime time) {
    this.time = time;
  }

  public Obj of(StoredFile f, String baseUrl) {
    return Obj.of()
        .always("file_id", f.id())
        .always("name", f.name())
        .always("description", f.description() == null ? "" : f.description())
        .always("size", f.size())
        .always("md5", f.md5())
        .always("gmt_create", time.plain(f.createdAt()))
        .always("url", baseUrl + "/api/v1/files/" + f.id() + "/content")
        .always("purpose", f.purpose())
        .always("region", "local")
        .always("user_id", f.userId())
        .always("workspace_id", f.workspaceId())
        .always("lines", f.lines());
  }
}
