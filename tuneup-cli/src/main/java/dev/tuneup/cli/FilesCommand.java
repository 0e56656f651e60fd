package dev.tuneup.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.cli.client.ApiException;
import dev.tuneup.cli.client.ProgressBar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    name = "files",
    description = "Upload, list, show and delete training files.",
    subcommands = {
      FilesCommand.Upload.class,
      FilesCommand.ListFiles.class,
      FilesCommand.Get.class,
      FilesCommand.Delete.class
    })
final class FilesCommand {

  @Command(name = "upload", description = "Upload a JSONL training file; prints its file id.")
  static final class Upload extends ClientCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE")
    Path file;

    @Override
    public Integer call() throws Exception {
      long size = Files.size(file);
      ProgressBar bar = new ProgressBar(env().err(), env().terminal());
      JsonNode r = client().upload(file, sent -> bar.show(ProgressBar.bytes(sent, size)));
      bar.done();
      JsonNode data = payload(r);
      if (data.path("uploaded_files").isEmpty()) {
        JsonNode failed = data.path("failed_uploads").path(0);
        throw new ApiException(
            200,
            failed.path("code").asText("UploadFailed"),
            failed.path("message").asText(),
            r.path("request_id").asText(null));
      }
      if (json) {
        printJson(data);
      } else {
        out().println(data.path("uploaded_files").get(0).path("file_id").asText());
      }
      return 0;
    }
  }

  @Command(name = "list", description = "List your files.")
  static final class ListFiles extends ClientCommand implements Callable<Integer> {
    @Override
    public Integer call() {
      JsonNode files = payload(client().get("/api/v1/files?page_size=100")).path("files");
      printTable(
          files,
          new String[] {"FILE_ID", "NAME", "SIZE", "LINES", "CREATED"},
          f ->
              new String[] {
                text(f, "file_id"),
                text(f, "name"),
                text(f, "size"),
                text(f, "lines"),
                text(f, "gmt_create")
              });
      return 0;
    }
  }

  @Command(name = "get", description = "Show one file.")
  static final class Get extends ClientCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE_ID")
    String id;

    @Override
    public Integer call() {
      printObject(
          payload(client().get("/api/v1/files/" + id)),
          "file_id",
          "name",
          "description",
          "size",
          "lines",
          "md5",
          "purpose",
          "gmt_create");
      return 0;
    }
  }

  @Command(name = "delete", description = "Delete a file.")
  static final class Delete extends ClientCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE_ID")
    String id;

    @Override
    public Integer call() {
      client().delete("/api/v1/files/" + id);
      if (!json) {
        out().println("deleted " + id);
      }
      return 0;
    }
  }
}
