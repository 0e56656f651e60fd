package dev.tuneup.trainer;

import dev.tuneup.contract.TrainerEvent;
import dev.tuneup.model.config.UnsupportedModelException;
import dev.tuneup.trainer.data.DataException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The {@code tuneup train --spec <job-dir>/spec.json} program of docs/trainer-contract.md.
 *
 * <p>SIGTERM: a shutdown hook sets a flag that the training thread checks between steps; the
 * training thread (never the hook) finishes its step, saves a checkpoint, writes {@code stopped}
 * and counts down a latch the hook waits on, so the JVM exits (with 143) only once the checkpoint
 * is complete.
 */
public final class TrainerMain {

  /** Exit code after a SIGTERM was honoured (128 + 15). */
  public static final int EXIT_STOPPED = 143;

  /** Exit code after any failure; the last event says why. */
  public static final int EXIT_FAILED = 1;

  private static final long STOP_GRACE_SECONDS = 600;

  private TrainerMain() {}

  public static void main(String[] args) {
    Path spec = null;
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("--spec")) {
        spec = Path.of(args[i + 1]);
      }
    }
    if (spec == null) {
      System.err.println("usage: tuneup train --spec <job-dir>/spec.json");
      System.exit(2);
    }
    System.exit(run(spec));
  }

  /**
   * Runs the job a spec describes and returns the process exit code: 0 done, 143 stopped by
   * SIGTERM, 1 failed (the last event is {@code error}).
   */
  public static int run(Path specFile) {
    TrainSpec spec;
    try {
      spec = TrainSpec.read(specFile);
    } catch (IOException | RuntimeException e) {
      System.out.println(
          "{\"type\":\"error\",\"time\":\""
              + Clock.systemUTC().instant()
              + "\",\"message\":"
              + quote("cannot read spec " + specFile + ": " + e.getMessage())
              + "}");
      System.out.flush();
      return EXIT_FAILED;
    }
    RuntimeChoice choice;
    try {
      choice =
          RuntimeChoice.of(
              new com.fasterxml.jackson.databind.ObjectMapper().readTree(specFile.toFile()));
    } catch (IOException | RuntimeException e) {
      System.out.println(
          "{\"type\":\"error\",\"time\":\""
              + Clock.systemUTC().instant()
              + "\",\"message\":"
              + quote("spec " + specFile + ": " + e.getMessage())
              + "}");
      System.out.flush();
      return EXIT_FAILED;
    }
    if (spec.threads() > 0 && System.getProperty("ai.djl.pytorch.num_threads") == null) {
      System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(spec.threads()));
      System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }
    System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch finished = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              stop.set(true);
              try {
                finished.await(STOP_GRACE_SECONDS, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "tuneup-trainer-sigterm");
    Runtime.getRuntime().addShutdownHook(hook);
    try (Events events = new Events(System.out, spec.eventsFile(), Clock.systemUTC())) {
      try {
        if (choice.torch()) {
          return new TorchRuntime(specFile, spec, choice, events, stop).run();
        }
        Trainer.Outcome outcome = new Trainer(spec, events, stop).run();
        return outcome == Trainer.Outcome.DONE ? 0 : EXIT_STOPPED;
      } catch (Throwable t) {
        String message = withFileNames(specFile, describe(t));
        t.printStackTrace(System.err);
        events.emit(new TrainerEvent.Error(events.now(), message));
        return EXIT_FAILED;
      }
    } catch (IOException e) {
      System.err.println("cannot open events file " + spec.eventsFile() + ": " + e.getMessage());
      return EXIT_FAILED;
    } finally {
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the JVM is already exiting (SIGTERM): the hook stays and returns at once
      }
    }
  }

  /**
   * Data files are stored under their ids; a user knows them by the name they uploaded, so the
   * message names both: {@code train.jsonl (file-ft-…) line 3: …}.
   */
  static String withFileNames(Path specFile, String message) {
    try {
      var root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(specFile.toFile());
      for (String list : new String[] {"training_files", "validation_files"}) {
        for (var f : root.path(list)) {
          String id = Path.of(f.path("path").asText("")).getFileName().toString();
          String name = f.path("name").asText("");
          if (!id.isEmpty() && !name.isEmpty() && message.contains(id) && !message.contains(name)) {
            message = message.replace(id, name + " (" + id + ")");
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // keep the message as it is
    }
    return message;
  }

  private static String describe(Throwable t) {
    if (t instanceof DataException
        || t instanceof Trainer.TrainingException
        || t instanceof UnsupportedModelException) {
      return t.getMessage();
    }
    if (t instanceof OutOfMemoryError) {
      return "out of memory: " + t.getMessage() + "; lower batch_size or max_length";
    }
    if (t instanceof UncheckedIOException || t instanceof IOException) {
      return "I/O error: " + t.getMessage();
    }
    String m = t.getMessage();
    if (m != null && m.contains("OutOfMemory")) {
      return "out of memory: " + m + "; lower batch_size or max_length";
    }
    return t.getClass().getSimpleName() + ": " + m;
  }

  private static String quote(String s) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(s);
    } catch (IOException e) {
      return "\"\"";
    }
  }
}
