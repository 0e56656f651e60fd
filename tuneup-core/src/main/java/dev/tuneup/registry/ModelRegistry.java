package dev.tuneup.registry;

import dev.tuneup.auth.AccountService;
import dev.tuneup.auth.Caller;
import dev.tuneup.common.Page;
import dev.tuneup.common.PageRequest;
import dev.tuneup.contract.TrainingMethod;
import dev.tuneup.dispatch.BackgroundLoop;
import dev.tuneup.error.Conflict;
import dev.tuneup.error.InvalidParameter;
import dev.tuneup.error.NotFound;
import dev.tuneup.error.OperationDenied;
import dev.tuneup.error.OperationNotAllowed;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers models: a local directory as a base model ({@code models add}, at once), a hub
 * repository as a base model ({@code models pull}) and a user's own adapter or full weights (Model
 * Studio's custom-model import), the last two asynchronously through stored imports that one
 * background loop ({@code tuneup-importer}, {@link #runOnce()} for tests) runs one at a time.
 *
 * <p>Nothing is registered before it is checked to load: files are copied or downloaded into a
 * staging directory, verified, inspected, moved into place with one rename, and only then recorded.
 * An import interrupted by a stop keeps its staging directory and RUNNING status, and the next
 * start of its replica resumes it (downloads continue where the files end); a replica that stopped
 * for good leaves RUNNING imports whose heartbeat goes stale, and another replica takes them over
 * after {@link #STALE_AFTER}.
 */
public final class ModelRegistry implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);

  /** A RUNNING import whose heartbeat is older than this is taken over by another replica. */
  public static final Duration STALE_AFTER = Duration.ofMinutes(2);

  /** Display names are at most this long (Model Studio's limit). */
  public static final int MAX_DISPLAY_NAME = 50;

  private static final Duration PROGRESS_EVERY = Duration.ofMillis(500);
  private static final long COPY_CHUNK = 64L << 20;
  private static final Pattern MODEL_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final Pattern REPO_ID =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?");
  private static final DateTimeFormatter NAME_DATE = DateTimeFormatter.ofPattern("yyyyMMdd");

  /**
   * Where models go and which server directories users may import from.
   *
   * @param modelsDir {@code <data-dir>/models}: pulled models go to {@code <id>/}, imported ones to
   *     {@code imports/<import id>/}
   * @param importRoots the directories (and their sub-directories) a custom import may read
   * @param owner this replica's id
   * @param pollInterval how often the importer looks for work it was not woken for
   */
  public record Config(
      Path modelsDir, List<Path> importRoots, String owner, ZoneId zone, Duration pollInterval) {
    public Config {
      importRoots = List.copyOf(importRoots);
    }
  }

  /**
   * A custom-model import request, its fields checked for presence and spelling.
   *
   * @param baseModel the base model the weights belong to (Model Studio's {@code model_name})
   * @param displayName the display name, or null for the base model's name
   * @param location a server directory ({@link ImportSource#PATH}) or a hub repository id
   * @param revision the hub revision, or null
   * @param token a hub token for this import, or null; kept in memory only, never stored
   */
  public record CustomImport(
      String baseModel,
      String displayName,
      ImportSource source,
      WeightType weightType,
      String location,
      String revision,
      String token) {}

  private final ModelCatalog catalog;
  private final ModelImportStore store;
  private final ModelFetcher fetcher;
  private final ModelInspector inspector;
  private final ModelUsage usage;
  private final Config config;
  private final Clock clock;
  private final BackgroundLoop loop;
  private final Map<String, String> tokens = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();

  public ModelRegistry(
      ModelCatalog catalog,
      ModelImportStore store,
      ModelFetcher fetcher,
      ModelInspector inspector,
      ModelUsage usage,
      Config config,
      Clock clock) {
    this.catalog = catalog;
    this.store = store;
    this.fetcher = fetcher;
    this.inspector = inspector;
    this.usage = usage;
    this.config = config;
    this.clock = clock;
    this.loop = new BackgroundLoop("tuneup-importer", this::pass, config.pollInterval());
  }

  // ---------------------------------------------------------------- base models (administrators)

  /**
   * Registers a server directory as a base model, after checking it loads. The directory stays
   * where it is and is never deleted by tuneup.
   *
   * @throws InvalidParameter naming the id or the path and what is wrong with it
   * @throws Conflict when a model of that id exists
   */
  public BaseModel addBase(Caller caller, String id, String path) {
    AccountService.requireAdmin(caller);
    requireModelId("model_id", id);
    requireFreeId(id);
    Path dir = serverDirectory("path", path);
    try {
      inspector.inspectModel(dir);
    } catch (ModelRejected e) {
      throw new InvalidParameter("path", dir + " does not load: " + e.getMessage());
    }
    BaseModel model = new BaseModel(id, dir, "path", clock.instant());
    if (!catalog.registered().insert(model)) {
      throw new Conflict("Model " + id + " already exists.");
    }
    log.info("registered base model {} from {}", id, dir);
    return model;
  }

  /**
   * Starts pulling a hub repository as a base model.
   *
   * @param modelId the id to register, or null for the repository's name in lower case
   * @param token a hub token for this pull, or null for the server's ({@code HF_TOKEN})
   * @throws InvalidParameter for a malformed repository id or model id
   * @throws Conflict when the model id is taken or being pulled
   */
  public ModelImport pull(
      Caller caller, String repo, String revision, String modelId, String token) {
    AccountService.requireAdmin(caller);
    requireRepo("repo_id", repo);
    String id =
        modelId == null || modelId.isBlank()
            ? repo.substring(repo.indexOf('/') + 1).toLowerCase(Locale.ROOT)
            : modelId;
    requireModelId("model_id", id);
    requireFreeId(id);
    if (Files.exists(config.modelsDir().resolve(id))) {
      throw new Conflict(
          config.modelsDir().resolve(id)
              + " exists already: remove it, or pull under another model_id.");
    }
    ModelImport pull =
        ModelImport.pending(
            UUID.randomUUID().toString(),
            ImportKind.BASE,
            caller.userId(),
            caller.workspaceId(),
            id,
            id,
            null,
            WeightType.FULL,
            ImportSource.HUB,
            repo,
            blankToNull(revision),
            clock.instant());
    return enqueue(pull, token);
  }

  /** A pull, for administrators. */
  public ModelImport getPull(Caller caller, String id) {
    AccountService.requireAdmin(caller);
    return store
        .find(id)
        .filter(i -> i.kind() == ImportKind.BASE)
        .orElseThrow(() -> new NotFound("pull", id));
  }

  public Page<ModelImport> listPulls(Caller caller, PageRequest page) {
    AccountService.requireAdmin(caller);
    return store.list(ImportKind.BASE, null, null, null, page);
  }

  /**
   * Unregisters a base model registered at run time; a pulled model's files are deleted, a
   * directory registered with {@code models add} is left alone.
   *
   * @throws OperationNotAllowed for a configured model, or one that is deployed
   */
  public BaseModel removeBase(Caller caller, String id) {
    AccountService.requireAdmin(caller);
    BaseModel model = catalog.base(id).orElseThrow(() -> NotFound.model(id));
    if (!model.registered()) {
      throw new OperationNotAllowed(
          "Model "
              + id
              + " is configured (models."
              + id
              + ".path): remove it from the configuration instead.");
    }
    usage
        .usedBy(id)
        .ifPresent(
            d -> {
              throw new OperationNotAllowed(
                  "Model " + id + " is deployed as " + d + ": delete that deployment first.");
            });
    catalog.registered().delete(id);
    if (model.path().startsWith(config.modelsDir())) {
      deleteRecursively(model.path());
    }
    log.info("unregistered base model {}", id);
    return model;
  }

  // ---------------------------------------------------------------- custom models (every user)

  /**
   * Starts importing a user's adapter or full weights on a base model.
   *
   * @throws NotFound when the base model is unknown
   * @throws InvalidParameter naming the field at fault
   */
  public ModelImport importModel(Caller caller, CustomImport request) {
    if (request.baseModel() == null || request.baseModel().isBlank()) {
      throw new InvalidParameter("model_name", "Missing model_name: name the base model.");
    }
    BaseModel base =
        catalog.base(request.baseModel()).orElseThrow(() -> NotFound.model(request.baseModel()));
    String display =
        request.displayName() == null || request.displayName().isBlank()
            ? base.id()
            : request.displayName();
    if (display.length() > MAX_DISPLAY_NAME) {
      throw new InvalidParameter(
          "display_name",
          "display_name is at most " + MAX_DISPLAY_NAME + " characters, got " + display.length());
    }
    String location;
    if (request.source() == ImportSource.PATH) {
      location = importDirectory(request.location()).toString();
    } else {
      requireRepo("storage_info.repo_id", request.location());
      location = request.location();
    }
    ModelImport created =
        ModelImport.pending(
            UUID.randomUUID().toString(),
            ImportKind.CUSTOM,
            caller.userId(),
            caller.workspaceId(),
            newCustomName(base.id()),
            display,
            base.id(),
            request.weightType(),
            request.source(),
            location,
            request.source() == ImportSource.HUB ? blankToNull(request.revision()) : null,
            clock.instant());
    return enqueue(created, request.token());
  }

  /** The caller's import. */
  public ModelImport getImport(Caller caller, String id) {
    return store
        .find(id)
        .filter(i -> i.kind() == ImportKind.CUSTOM)
        .filter(i -> i.userId().equals(caller.userId()))
        .filter(i -> i.workspaceId().equals(caller.workspaceId()))
        .orElseThrow(() -> new NotFound("import", id));
  }

  public Page<ModelImport> listImports(
      Caller caller, ImportStatus status, String modelName, PageRequest page) {
    return store.list(ImportKind.CUSTOM, caller, status, modelName, page);
  }

  /**
   * Deletes a finished import with its model and files.
   *
   * @return the import as it was
   * @throws OperationDenied while it is PENDING or RUNNING (Model Studio's rule)
   * @throws OperationNotAllowed while its model is deployed
   */
  public ModelImport deleteImport(Caller caller, String id) {
    ModelImport imp = getImport(caller, id);
    if (!imp.status().over()) {
      throw new OperationDenied(
          "The import job is currently "
              + imp.status().name().toLowerCase(Locale.ROOT)
              + " and cannot be deleted.");
    }
    usage
        .usedBy(imp.modelName())
        .ifPresent(
            d -> {
              throw new OperationNotAllowed(
                  "Model "
                      + imp.modelName()
                      + " is deployed as "
                      + d
                      + ": delete that deployment first.");
            });
    catalog.fineTuned().deleteForJob(imp.id());
    deleteRecursively(customDir(imp));
    store.delete(imp.id());
    return imp;
  }

  // ---------------------------------------------------------------- the importer

  /** Starts the importer loop; imports this replica left RUNNING are resumed first. */
  public void start() {
    loop.start();
  }

  /** Stops the loop; an import in progress stops at its next progress report and resumes later. */
  @Override
  public void close() {
    loop.stop(Duration.ofSeconds(10));
  }

  /**
   * Claims and runs one import to its end (or to a stop).
   *
   * @return whether there was one
   */
  public boolean runOnce() {
    Instant now = clock.instant();
    Optional<ModelImport> claimed = store.claimNext(config.owner(), now, now.minus(STALE_AFTER));
    if (claimed.isEmpty()) {
      return false;
    }
    run(claimed.get());
    return true;
  }

  private void pass() {
    try {
      while (!loop.stopping() && runOnce()) {
        // next import
      }
    } catch (RuntimeException e) {
      log.error("importer pass failed; retrying on the next pass", e);
    }
  }

  private ModelImport enqueue(ModelImport imp, String token) {
    if (token != null && !token.isBlank()) {
      tokens.put(imp.id(), token.trim());
    }
    store.insert(imp);
    log.info(
        "import {} of {} {} as {} queued",
        imp.id(),
        imp.source().wire(),
        imp.location(),
        imp.modelName());
    loop.wakeUp();
    return imp;
  }

  private void run(ModelImport claimed) {
    Tracker tracker = new Tracker(claimed);
    try {
      String note = claimed.kind() == ImportKind.BASE ? runPull(tracker) : runCustomImport(tracker);
      tracker.finish(i -> i.succeeded(note, clock.instant()));
      log.info("import {} succeeded: {}", claimed.id(), note);
    } catch (ImportInterrupted e) {
      log.info(
          "import {} pauses while the importer stops; the next start resumes it", claimed.id());
      return;
    } catch (ModelFetchException | ModelRejected | ImportFailure e) {
      fail(tracker, e.getMessage());
    } catch (IOException | UncheckedIOException e) {
      log.warn("import {} failed", claimed.id(), e);
      fail(tracker, "I/O error: " + e.getMessage());
    } catch (RuntimeException e) {
      // Never leave it RUNNING: this replica would claim it again at once, forever.
      log.error("import {} failed: a bug", claimed.id(), e);
      fail(tracker, "internal error (" + e.getClass().getSimpleName() + "): " + e.getMessage());
    }
    tokens.remove(claimed.id());
  }

  private void fail(Tracker tracker, String reason) {
    cleanUp(tracker.current);
    try {
      tracker.finish(i -> i.failed(reason, clock.instant()));
      log.info("import {} failed: {}", tracker.current.id(), reason);
    } catch (ImportInterrupted lost) {
      log.info("import {} was taken over by another replica", tracker.current.id());
    }
  }

  private String runPull(Tracker tracker) throws IOException {
    ModelImport imp = tracker.current;
    Path staging = stagingDir(imp);
    Path target = config.modelsDir().resolve(imp.modelName());
    ModelFetcher.Result fetched =
        fetcher.fetch(
            new ModelFetcher.Request(imp.location(), imp.revision(), tokens.get(imp.id()), true),
            staging,
            tracker::progress);
    tracker.progress(fetched.commit(), fetched.bytes(), fetched.bytes(), null);
    ModelInspector.Facts facts = inspector.inspectModel(staging);
    moveIntoPlace(staging, target);
    BaseModel model =
        new BaseModel(
            imp.modelName(),
            target,
            "hub:" + imp.location() + "@" + fetched.commit(),
            clock.instant());
    if (!catalog.registered().insert(model)) {
      deleteRecursively(target);
      throw new ImportFailure("model " + imp.modelName() + " was registered meanwhile");
    }
    return describe(facts, fetched);
  }

  private String runCustomImport(Tracker tracker) throws IOException {
    ModelImport imp = tracker.current;
    BaseModel base =
        catalog
            .base(imp.baseModel())
            .orElseThrow(() -> new ImportFailure("base model " + imp.baseModel() + " is gone"));
    Path staging = stagingDir(imp);
    ModelFetcher.Result fetched;
    if (imp.source() == ImportSource.PATH) {
      fetched = copyDirectory(Path.of(imp.location()), staging, tracker);
    } else {
      fetched =
          fetcher.fetch(
              new ModelFetcher.Request(imp.location(), imp.revision(), tokens.get(imp.id()), false),
              staging,
              tracker::progress);
    }
    tracker.progress(fetched.commit(), fetched.bytes(), fetched.bytes(), null);
    ModelInspector.Facts facts;
    if (imp.weightType() == WeightType.LORA) {
      facts = inspector.inspectAdapter(staging, base.path());
    } else {
      facts = inspector.inspectModel(staging);
      requireSameShape(facts, inspector.inspectModel(base.path()), base.id());
    }
    Path target = customDir(imp);
    moveIntoPlace(staging, target);
    catalog
        .fineTuned()
        .insert(
            new FineTunedModel(
                imp.modelName(),
                imp.id(),
                imp.userId(),
                imp.workspaceId(),
                base.id(),
                base.id(),
                imp.weightType() == WeightType.LORA
                    ? TrainingMethod.SFT_LORA
                    : TrainingMethod.SFT_FULL,
                target,
                clock.instant()));
    return describe(facts, fetched);
  }

  /**
   * The commit an earlier run of this import resolved, so that a resumed download continues the
   * same files even if the branch moved meanwhile; else the revision asked for.
   */
  private static String revisionToFetch(ModelImport imp) {
    return imp.commit() != null ? imp.commit() : imp.revision();
  }

  private static void requireSameShape(
      ModelInspector.Facts weights, ModelInspector.Facts base, String baseId) {
    if (!weights.architecture().equals(base.architecture())
        || weights.layers() != base.layers()
        || weights.hiddenSize() != base.hiddenSize()
        || weights.vocabSize() != base.vocabSize()) {
      throw new ModelRejected(
          "the weights are a "
              + shape(weights)
              + ", but base model "
              + baseId
              + " is a "
              + shape(base)
              + ": full weights must be a fine-tune of the base model itself");
    }
  }

  private static String shape(ModelInspector.Facts f) {
    return f.architecture()
        + " with "
        + f.layers()
        + " layers, hidden_size "
        + f.hiddenSize()
        + " and vocab_size "
        + f.vocabSize();
  }

  private static String describe(ModelInspector.Facts f, ModelFetcher.Result fetched) {
    String what =
        f.loraRank() > 0
            ? "LoRA adapter of rank " + f.loraRank() + " for a " + f.architecture()
            : f.architecture() + ", " + f.layers() + " layers";
    return fetched.files()
        + " files, "
        + fetched.bytes()
        + " bytes"
        + (fetched.commit() == null ? "" : " at commit " + fetched.commit())
        + ": "
        + what
        + ", "
        + f.parameters()
        + " parameters in "
        + f.dtype()
        + (fetched.skipped().isEmpty()
            ? ""
            : "; not downloaded (not needed): " + String.join(", ", fetched.skipped()));
  }

  /** Copies the regular files at the top of {@code from}; links and folders are left out. */
  private ModelFetcher.Result copyDirectory(Path from, Path to, Tracker tracker)
      throws IOException {
    if (!Files.isDirectory(from)) {
      throw new ImportFailure(from + " is not a directory any more");
    }
    List<Path> files = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    try (Stream<Path> s = Files.list(from)) {
      for (Path p : s.sorted().toList()) {
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          files.add(p);
        } else {
          skipped.add(p.getFileName().toString());
        }
      }
    }
    long total = 0;
    for (Path p : files) {
      total += Files.size(p);
    }
    Files.createDirectories(to);
    long done = 0;
    for (Path p : files) {
      String name = p.getFileName().toString();
      Path out = to.resolve(name);
      try (FileChannel in = FileChannel.open(p, StandardOpenOption.READ);
          FileChannel dst =
              FileChannel.open(
                  out,
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE,
                  StandardOpenOption.TRUNCATE_EXISTING)) {
        long size = in.size();
        long pos = 0;
        while (pos < size) {
          pos += in.transferTo(pos, Math.min(COPY_CHUNK, size - pos), dst);
          tracker.progress(null, done + pos, total, name);
        }
        dst.force(true);
        done += size;
      }
    }
    return new ModelFetcher.Result(null, files.size(), total, skipped);
  }

  private static void moveIntoPlace(Path staging, Path target) throws IOException {
    Files.createDirectories(target.getParent());
    try {
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException e) {
      throw new ImportFailure(target + " exists already");
    } catch (AtomicMoveNotSupportedException e) {
      throw new ImportFailure("cannot move " + staging + " to " + target + " in one rename");
    } catch (IOException e) {
      if (Files.exists(target)) {
        throw new ImportFailure(target + " exists already");
      }
      throw e;
    }
  }

  private Path stagingDir(ModelImport imp) {
    return imp.kind() == ImportKind.BASE
        ? config.modelsDir().resolve(".pull-" + imp.id())
        : config.modelsDir().resolve("imports").resolve(".tmp-" + imp.id());
  }

  private Path customDir(ModelImport imp) {
    return config.modelsDir().resolve("imports").resolve(imp.id());
  }

  private void cleanUp(ModelImport imp) {
    deleteRecursively(stagingDir(imp));
  }

  /** The one place that writes an import while it runs: optimistic, re-read on a lost race. */
  private final class Tracker {
    private ModelImport current;
    private long lastWrite;

    Tracker(ModelImport claimed) {
      this.current = claimed;
    }

    void progress(String commit, long done, long total, String file) {
      if (loop.stopping() || Thread.currentThread().isInterrupted()) {
        throw new ImportInterrupted();
      }
      long now = System.nanoTime();
      boolean changedFile = file != null && !file.equals(current.currentFile());
      if (!changedFile && now - lastWrite < PROGRESS_EVERY.toNanos() && done < total) {
        return;
      }
      lastWrite = now;
      write(
          current.progress(
              commit != null ? commit : current.commit(), done, total, file, clock.instant()));
    }

    void finish(java.util.function.UnaryOperator<ModelImport> change) {
      write(change.apply(current));
    }

    private void write(ModelImport next) {
      if (store.update(next)) {
        current = next.nextVersion();
        return;
      }
      // Only a replica that took the import over as stale writes it besides us: it is its now.
      throw new ImportInterrupted();
    }
  }

  /** A failure of the import itself (as opposed to the download or the check). */
  private static final class ImportFailure extends RuntimeException {
    ImportFailure(String message) {
      super(message);
    }
  }

  // ---------------------------------------------------------------- checks

  private void requireFreeId(String id) {
    if (catalog.taken(id)) {
      throw new Conflict("Model " + id + " already exists.");
    }
    if (store.activeFor(id)) {
      throw new Conflict("Model " + id + " is being imported already.");
    }
  }

  private static void requireModelId(String field, String id) {
    if (id == null || !MODEL_ID.matcher(id).matches()) {
      throw new InvalidParameter(
          field,
          field
              + " must be 1-128 letters, digits, '.', '_' or '-', starting with a letter or"
              + " digit, got "
              + (id == null ? "nothing" : "'" + id + "'"));
    }
  }

  private static void requireRepo(String field, String repo) {
    if (repo == null
        || !REPO_ID.matcher(repo).matches()
        || repo.contains("..")
        || repo.contains("--")) {
      throw new InvalidParameter(
          field,
          field
              + " must be a Hugging Face repository id such as Qwen/Qwen3-0.6B, got "
              + (repo == null ? "nothing" : "'" + repo + "'"));
    }
  }

  private static Path serverDirectory(String field, String path) {
    if (path == null || path.isBlank()) {
      throw new InvalidParameter(field, "Missing " + field + ": give a directory on the server.");
    }
    Path dir = Path.of(path);
    if (!dir.isAbsolute()) {
      throw new InvalidParameter(field, field + " must be an absolute path, got " + path);
    }
    if (!Files.isDirectory(dir)) {
      throw new InvalidParameter(field, path + " is not a directory on the server");
    }
    return dir.normalize();
  }

  /**
   * A directory a user may import from: inside one of the import roots once links are resolved, so
   * that no user reads the server's other files (or another user's models) through a path.
   */
  private Path importDirectory(String path) {
    String field = "storage_info.path";
    Path dir = serverDirectory(field, path);
    Path real;
    try {
      real = dir.toRealPath();
    } catch (IOException e) {
      throw new InvalidParameter(field, path + " cannot be read: " + e.getMessage());
    }
    for (Path root : config.importRoots()) {
      try {
        if (Files.isDirectory(root) && real.startsWith(root.toRealPath())) {
          return real;
        }
      } catch (IOException e) {
        // a root that cannot be resolved admits nothing
      }
    }
    throw new InvalidParameter(
        field,
        path
            + " is not inside a directory users may import from: "
            + config.importRoots()
            + " (models.import-dirs)");
  }

  private String newCustomName(String base) {
    String day = NAME_DATE.format(clock.instant().atZone(config.zone()));
    for (int i = 0; i < 64; i++) {
      byte[] b = new byte[2];
      random.nextBytes(b);
      String name = base + "-offline-" + day + "-" + HexFormat.of().formatHex(b);
      if (!catalog.taken(name) && !store.activeFor(name)) {
        return name;
      }
    }
    throw new IllegalStateException("no free model name for " + base + " after 64 attempts");
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      log.warn("could not delete {}", dir, e);
    }
  }
}
