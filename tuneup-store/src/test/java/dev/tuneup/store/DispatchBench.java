package dev.tuneup.store;

import dev.tuneup.auth.Caller;
import dev.tuneup.job.Job;
import dev.tuneup.testkit.JobFixtures;
import dev.tuneup.testkit.store.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Dispatch throughput: how many queued jobs per second replicas claim with the real one-statement
 * claim ({@link dev.tuneup.job.JobStore#claimNext}). bench/dispatch-bench.sh runs it.
 *
 * <p>{@code java ... DispatchBench <sqlite|postgres> <replicas> [jobs] [users]}: queues {@code
 * jobs} jobs of {@code users} users, then each replica (its own connection pool, as a separate
 * server would have, and one claiming thread, as its dispatcher has) claims until the queue is
 * empty. Prints one JSON line; fails if any job was claimed twice or not at all.
 */
public final class DispatchBench {
  private DispatchBench() {}

  public static void main(String[] args) throws Exception {
    String kind = args[0];
    int replicas = Integer.parseInt(args[1]);
    int jobs = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
    int users = args.length > 3 ? Integer.parseInt(args[3]) : 20;
    Path data = Files.createTempDirectory("dispatch-bench");
    String url =
        kind.equals("postgres")
            ? PostgresServer.shared().newDatabase()
            : "jdbc:sqlite:" + data.resolve("tuneup.db");
    String user = kind.equals("postgres") ? PostgresServer.USER : "";
    List<Database> pools = new ArrayList<>();
    for (int r = 0; r < replicas; r++) {
      pools.add(Database.open(new StoreConfig(url, user, "", 4, data)));
    }
    Instant queued = Instant.parse("2026-11-28T00:00:00Z");
    for (int i = 0; i < jobs; i++) {
      Caller c = new Caller("u-" + (i % users), "ws-" + (i % users), false);
      pools
          .get(0)
          .jobs()
          .insert(
              JobFixtures.aJob(c)
                  .build()
                  .on(dev.tuneup.job.JobEvent.VALIDATED, queued.plusMillis(i))
                  .build());
    }
    if (kind.equals("postgres")) {
      // planner statistics, as autovacuum keeps them on a live server; right after a bulk insert
      // the planner would guess 3 queued jobs and sort them all instead of walking the index
      pools.get(0).jdbi().useHandle(h -> h.execute("ANALYZE jobs"));
    }
    Set<String> claimed = ConcurrentHashMap.newKeySet();
    AtomicInteger duplicates = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    int[] perReplica = new int[replicas];
    for (int r = 0; r < replicas; r++) {
      int idx = r;
      Database db = pools.get(r);
      Thread t =
          new Thread(
              () -> {
                try {
                  start.await();
                } catch (InterruptedException e) {
                  return;
                }
                while (true) {
                  Optional<Job> j = db.jobs().claimNext("replica-" + idx, jobs, Instant.now());
                  if (j.isEmpty()) {
                    return;
                  }
                  perReplica[idx]++;
                  if (!claimed.add(j.get().id())) {
                    duplicates.incrementAndGet();
                  }
                }
              },
              "claimer-" + r);
      t.start();
      threads.add(t);
    }
    long t0 = System.nanoTime();
    start.countDown();
    for (Thread t : threads) {
      t.join();
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    for (Database db : pools) {
      db.close();
    }
    if (duplicates.get() > 0 || claimed.size() != jobs) {
      throw new IllegalStateException(
          "claimed " + claimed.size() + " of " + jobs + " jobs, " + duplicates + " twice");
    }
    System.out.printf(
        "{\"store\":\"%s\",\"replicas\":%d,\"jobs\":%d,\"users\":%d,\"seconds\":%.2f,"
            + "\"claims_per_s\":%.0f,\"per_replica\":%s,\"claimed_twice\":0}%n",
        kind,
        replicas,
        jobs,
        users,
        seconds,
        jobs / seconds,
        java.util.Arrays.toString(perReplica));
    System.exit(0);
  }
}
