package dev.tuneup.server.http;

import dev.tuneup.auth.AccountService;
import dev.tuneup.error.InvalidParameter;
import dev.tuneup.error.NotFound;
import dev.tuneup.error.RequestTooLarge;
import dev.tuneup.server.admin.AdminApi;
import dev.tuneup.server.admin.ModelsAdminApi;
import dev.tuneup.server.dashscope.CheckpointsApi;
import dev.tuneup.server.dashscope.CustomModelsApi;
import dev.tuneup.server.dashscope.DeploymentsApi;
import dev.tuneup.server.dashscope.FilesApi;
import dev.tuneup.server.dashscope.FineTunesApi;
import dev.tuneup.server.dashscope.GenerationApi;
import dev.tuneup.server.dashscope.JobStream;
import dev.tuneup.server.dashscope.ModelsApi;
import dev.tuneup.server.openai.ChatCompletionsApi;
import dev.tuneup.server.openai.OpenAiFilesApi;
import dev.tuneup.server.openai.OpenAiJobsApi;
import dev.tuneup.server.stream.StreamLimits;
import io.javalin.Javalin;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.staticfiles.Location;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The HTTP server: routes of the DashScope and OpenAI surfaces, authentication, and the error
 * mapping. Every answer, error or not, is JSON with a request id, except the SSE stream and file
 * content.
 */
public final class HttpServer {
  /** Server-sent event streams hold a thread each on Java 17; leave room for many. */
  private static final int MAX_THREADS = 400;

  /** Multipart parts up to this size stay in memory; larger ones stream to the temp folder. */
  private static final int MULTIPART_IN_MEMORY = 64 * 1024;

  private final Javalin app;

  /** The handlers the server routes to. */
  public record Routes(
      AccountService accounts,
      FilesApi files,
      FineTunesApi fineTunes,
      JobStream stream,
      ModelsApi models,
      CheckpointsApi checkpoints,
      AdminApi admin,
      OpenAiFilesApi openAiFiles,
      OpenAiJobsApi openAiJobs,
      DeploymentsApi deployments,
      GenerationApi generation,
      ChatCompletionsApi chat,
      ModelsAdminApi modelsAdmin,
      CustomModelsApi customModels,
      BooleanSupplier ready) {}

  /** Content-Security-Policy of the console: its own origin only (inline styles for the chart). */
  static final String CONSOLE_POLICY =
      "default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:;"
          + " style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

  /**
   * {@code uploadTemp} is where multipart parts stream to ({@code <data-dir>/files/.tmp}, swept of
   * stale files at start); a multipart body over {@code maxBodyBytes} is cut off while it streams.
   */
  public HttpServer(String host, int port, long maxBodyBytes, Path uploadTemp, Routes r) {
    this.app =
        Javalin.create(
            config -> {
              config.jetty.host = host;
              config.jetty.port = port;
              config.http.maxRequestSize = maxBodyBytes;
              config.http.prefer405over404 = true;
              config.jetty.multipartConfig.cacheDirectory(uploadTemp.toString());
              config.jetty.multipartConfig.maxFileSize(maxBodyBytes, SizeUnit.BYTES);
              config.jetty.multipartConfig.maxTotalRequestSize(maxBodyBytes, SizeUnit.BYTES);
              config.jetty.multipartConfig.maxInMemoryFileSize(MULTIPART_IN_MEMORY, SizeUnit.BYTES);
              // Jetty's own errors (bad URIs, oversized request lines and headers) as JSON too
              config.jetty.modifyServer(
                  server -> server.setErrorHandler(JettyErrors.serverHandler()));
              config.jetty.modifyServletContextHandler(
                  handler -> handler.setErrorHandler(JettyErrors.contextHandler()));
              config.startup.showJavalinBanner = false;
              if (Runtime.version().feature() >= 21) {
                config.concurrency.useVirtualThreads = true;
              } else {
                QueuedThreadPool pool = new QueuedThreadPool(MAX_THREADS, 8);
                pool.setName("tuneup-http");
                config.jetty.threadPool = pool;
              }
              // the web console: static files from the jar, its chart library from a webjar; the
              // policy allows nothing from elsewhere, so it works offline and loads no CDN
              config.staticFiles.add(
                  sf -> {
                    sf.hostedPath = "/console";
                    sf.directory = "/console";
                    sf.location = Location.CLASSPATH;
                    sf.headers = Map.of("Content-Security-Policy", CONSOLE_POLICY);
                  });
              config.staticFiles.enableWebjars();
              var routes = config.routes;
              routes.get("/console", HttpServer::consoleIndex);
              routes.before(ctx -> Requests.requestId(ctx));
              routes.after(StreamLimits::releaseHeld);
              routes.before(ctx -> ctx.header("X-Content-Type-Options", "nosniff"));
              routes.before("/api/v1/*", ctx -> authenticate(ctx, r.accounts()));
              routes.before("/v1/*", ctx -> authenticate(ctx, r.accounts()));
              routes.before("/compatible-mode/*", ctx -> authenticate(ctx, r.accounts()));

              routes.get("/healthz", ctx -> health(ctx, r.ready()));

              routes.post("/api/v1/files", r.files()::upload);
              routes.get("/api/v1/files", r.files()::list);
              routes.get("/api/v1/files/{file_id}", r.files()::get);
              routes.delete("/api/v1/files/{file_id}", r.files()::delete);
              routes.get("/api/v1/files/{file_id}/content", r.files()::content);

              routes.post("/api/v1/fine-tunes", r.fineTunes()::create);
              routes.get("/api/v1/fine-tunes", r.fineTunes()::list);
              routes.get("/api/v1/fine-tunes/{job_id}", r.fineTunes()::get);
              routes.delete("/api/v1/fine-tunes/{job_id}", r.fineTunes()::delete);
              routes.post("/api/v1/fine-tunes/{job_id}/cancel", r.fineTunes()::cancel);
              routes.get("/api/v1/fine-tunes/{job_id}/logs", r.fineTunes()::logs);
              routes.get("/api/v1/fine-tunes/{job_id}/metrics", r.fineTunes()::metrics);
              routes.get("/api/v1/fine-tunes/{job_id}/stream", r.stream()::stream);
              routes.post("/api/v1/fine-tunes/{job_id}/pause", r.fineTunes()::pause);
              routes.post("/api/v1/fine-tunes/{job_id}/resume", r.fineTunes()::resume);

              routes.get("/api/v1/fine-tunes/{job_id}/checkpoints", r.checkpoints()::list);
              routes.get(
                  "/api/v1/fine-tunes/{job_id}/export/{checkpoint}", r.checkpoints()::export);

              routes.get("/api/v1/models", r.models()::list);

              // The OpenAI-compatible surface: same services, OpenAI's shapes and errors.
              routes.post("/v1/files", r.openAiFiles()::upload);
              routes.get("/v1/files", r.openAiFiles()::list);
              routes.get("/v1/files/{file_id}", r.openAiFiles()::get);
              routes.delete("/v1/files/{file_id}", r.openAiFiles()::delete);
              routes.get("/v1/files/{file_id}/content", r.openAiFiles()::content);
              routes.post("/v1/fine_tuning/jobs", r.openAiJobs()::create);
              routes.get("/v1/fine_tuning/jobs", r.openAiJobs()::list);
              routes.get("/v1/fine_tuning/jobs/{job_id}", r.openAiJobs()::get);
              routes.post("/v1/fine_tuning/jobs/{job_id}/cancel", r.openAiJobs()::cancel);
              routes.post("/v1/fine_tuning/jobs/{job_id}/pause", r.openAiJobs()::pause);
              routes.post("/v1/fine_tuning/jobs/{job_id}/resume", r.openAiJobs()::resume);
              routes.get("/v1/fine_tuning/jobs/{job_id}/events", r.openAiJobs()::events);
              routes.get("/v1/fine_tuning/jobs/{job_id}/checkpoints", r.openAiJobs()::checkpoints);
              // The literal /deployments/models goes first: it must win over {deployed_model}.
              routes.get("/api/v1/deployments/models", r.deployments()::models);
              routes.post("/api/v1/deployments", r.deployments()::create);
              routes.get("/api/v1/deployments", r.deployments()::list);
              routes.get("/api/v1/deployments/{deployed_model}", r.deployments()::get);
              routes.put("/api/v1/deployments/{deployed_model}/scale", r.deployments()::scale);
              routes.put(
                  "/api/v1/deployments/{deployed_model}/update", r.deployments()::updateLimits);
              routes.delete("/api/v1/deployments/{deployed_model}", r.deployments()::delete);
              routes.post(
                  "/api/v1/services/aigc/text-generation/generation", r.generation()::generate);

              for (String base : new String[] {"/v1", "/compatible-mode/v1"}) {
                routes.post(base + "/chat/completions", r.chat()::complete);
                routes.get(base + "/models", r.chat()::models);
              }

              routes.post("/api/v1/admin/users", r.admin()::createUser);
              routes.get("/api/v1/admin/users", r.admin()::listUsers);
              routes.post("/api/v1/admin/users/{user_id}/keys", r.admin()::createKey);
              routes.get("/api/v1/admin/users/{user_id}/keys", r.admin()::listKeys);
              routes.delete("/api/v1/admin/keys/{key_id}", r.admin()::revokeKey);
              routes.post("/api/v1/admin/workspaces", r.admin()::createWorkspace);
              routes.get("/api/v1/admin/workspaces", r.admin()::listWorkspaces);
              routes.post("/api/v1/admin/workspaces/{workspace_id}/members", r.admin()::addMember);

              routes.post("/api/v1/admin/models", r.modelsAdmin()::add);
              routes.delete("/api/v1/admin/models/{model_id}", r.modelsAdmin()::remove);
              routes.post("/api/v1/admin/models/pull", r.modelsAdmin()::pull);
              routes.get("/api/v1/admin/models/pulls", r.modelsAdmin()::listPulls);
              routes.get("/api/v1/admin/models/pulls/{job_id}", r.modelsAdmin()::getPull);

              routes.post("/api/v1/custom_models/import", r.customModels()::create);
              routes.get("/api/v1/custom_models/import", r.customModels()::list);
              routes.get("/api/v1/custom_models/import/{job_id}", r.customModels()::get);
              routes.delete("/api/v1/custom_models/import/{job_id}", r.customModels()::delete);

              routes.exception(Exception.class, (e, ctx) -> ErrorMapper.write(ctx, e));
              routes.error(404, HttpServer::notFound);
              routes.error(405, HttpServer::methodNotAllowed);
              routes.error(413, ctx -> ErrorMapper.write(ctx, new RequestTooLarge(maxBodyBytes)));
            });
  }

  public HttpServer start() {
    app.start();
    return this;
  }

  public int port() {
    return app.port();
  }

  public void stop() {
    app.stop();
  }

  private static void authenticate(Context ctx, AccountService accounts) {
    if (ctx.method() == HandlerType.OPTIONS) {
      return;
    }
    String auth = ctx.header("Authorization");
    String key = null;
    if (auth != null) {
      String a = auth.trim();
      key = a.regionMatches(true, 0, "Bearer ", 0, 7) ? a.substring(7).trim() : a;
    }
    Requests.setCaller(ctx, accounts.authenticate(key, ctx.header("X-DashScope-WorkSpace")));
  }

  private static void health(Context ctx, BooleanSupplier ready) {
    if (ready.getAsBoolean()) {
      Requests.ok(ctx, Obj.of().always("status", "ok"));
    } else {
      ctx.status(503);
      ctx.contentType("application/json");
      ctx.result(Json.bytes(Obj.of().always("status", "starting")));
    }
  }

  private static void notFound(Context ctx) {
    // Keep the bodies our handlers wrote (e.g. NotFound for a missing job) as they are.
    if (ErrorMapper.written(ctx)) {
      return;
    }
    ErrorMapper.write(
        ctx,
        new NotFound("route", null, "Not found! No route for " + ctx.method() + " " + ctx.path()));
  }

  private static void methodNotAllowed(Context ctx) {
    ErrorMapper.write(
        ctx, new InvalidParameter("Request method '" + ctx.method() + "' is not supported."));
  }

  /** {@code /console} and {@code /console/}: the console's page (static files serve the rest). */
  private static void consoleIndex(io.javalin.http.Context ctx) {
    var page = HttpServer.class.getResourceAsStream("/console/index.html");
    if (page == null) {
      throw new IllegalStateException("bug: console/index.html is missing from the jar");
    }
    ctx.header("Content-Security-Policy", CONSOLE_POLICY);
    ctx.contentType("text/html; charset=utf-8");
    ctx.result(page);
  }
}
