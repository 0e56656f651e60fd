package dev.tuneup.trainer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tuneup.contract.TrainerEvent;
import dev.tuneup.contract.TrainingDefaults;
import dev.tuneup.model.config.MachineMemory;
import dev.tuneup.model.config.MemoryEstimate;
import dev.tuneup.model.config.ModelConfig;
import dev.tuneup.model.config.ModelDefaults;
import dev.tuneup.model.lora.LoraAdapter;
import dev.tuneup.model.lora.LoraConfig;
import dev.tuneup.model.nn.Transformer;
import dev.tuneup.model.text.ChatTemplate;
import dev.tuneup.model.text.Tokenizer;
import dev.tuneup.model.weights.SafetensorsReader;
import dev.tuneup.model.weights.SafetensorsWriter;
import dev.tuneup.trainer.data.DatasetSplit;
import dev.tuneup.trainer.data.LoadedDataset;
import dev.tuneup.trainer.data.PackedBatch;
import dev.tuneup.trainer.data.Packer;
import dev.tuneup.trainer.data.SftDataset;
import dev.tuneup.trainer.data.SftExample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * One fine-tuning run: full ({@code sft}) or LoRA ({@code efficient_sft}), with gradient
 * accumulation over packed micro-batches, global-norm clipping, AdamW, a warmup + decay schedule,
 * evaluation, checkpoints and resume.
 *
 * <p>Determinism: the example order of epoch {@code e} is a shuffle seeded by {@code seed + e}, and
 * the dropout generator is reseeded from {@code seed} and the step number before every step. A
 * checkpoint therefore only needs the weights, the optimizer moments and the step to continue
 * exactly as an uninterrupted run would.
 */
final class Trainer {

  /** A failure with a message fit for the {@code error} event. */
  static final class TrainingException extends RuntimeException {
    TrainingException(String message) {
      super(message);
    }
  }

  /** How a run ended. */
  enum Outcome {
    DONE,
    STOPPED
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MICRO_BATCH_TOKENS = MemoryEstimate.MICRO_BATCH_TOKENS;

  /**
   * Epoch checkpoints come no closer together than this. A small data set makes epochs of one or
   * two steps, and a full checkpoint (weights, two optimizer moments, fsync) then cost more than
   * the epoch itself; SIGTERM and the final output never lose work, so skipping some costs only
   * resume granularity. {@code save_strategy: steps} is honoured exactly.
   */
  static final long EPOCH_CHECKPOINT_MIN_INTERVAL_NANOS = 30_000_000_000L;

  private final TrainSpec spec;
  private final ModelDefaults.Defaults modelDefaults;
  private final HyperParameters hp;
  private final Events events;
  private final AtomicBoolean stopRequested;
  private int stepsPerEpoch = 1;
  private LrSchedule schedule;
  private final Best best = new Best();

  /** Where early stopping keeps the weights of the best evaluation so far. */
  static final String BEST_DIR = "best-by-eval-loss";

  /** The best evaluation so far and the evaluations since, for early stopping. */
  private static final class Best {
    double evalLoss = Double.POSITIVE_INFINITY;
    int step;
    int badEvals;
  }

  private final StepProfile profile = new StepProfile();

  Trainer(TrainSpec spec, Events events, AtomicBoolean stopRequested) {
    this.spec = spec;
    this.modelDefaults = ModelDefaults.of(spec.modelPath(), spec.lora());
    this.hp = HyperParameters.from(spec.hyperParameters(), modelDefaults);
    this.events = events;
    this.stopRequested = stopRequested;
  }

  /** Smallest dataset split into train and validation when split is not given explicitly. */
  static final int AUTO_SPLIT_MIN_SAMPLES = 50;

  /**
   * Refuses, before the weights are loaded, a run whose estimated peak does not fit the memory the
   * trainer may use, saying how much it needs, how much there is and what to change.
   */
  private void checkMemory(int seqLen) throws IOException {
    long dataBytes = 0;
    for (Path f : spec.trainingFiles()) {
      dataBytes += Files.size(f);
    }
    for (Path f : spec.validationFiles()) {
      dataBytes += Files.size(f);
    }
    MemoryEstimate estimate =
        MemoryEstimate.of(
            ModelConfig.load(spec.modelPath()),
            new MemoryEstimate.Job(
                spec.lora(),
                hp.loraRank(),
                hp.loraTargets().isEmpty() ? LoraConfig.DEFAULT_TARGETS : hp.loraTargets(),
                hp.batchSize(),
                seqLen,
                dataBytes));
    long limit = spec.memoryLimitBytes() > 0 ? spec.memoryLimitBytes() : MachineMemory.total();
    String where = spec.memoryLimitBytes() > 0 ? "trainer.memory-limit" : "this machine";
    String needs = MemoryEstimate.gib(estimate.total()) + " (" + estimate.breakdown() + ")";
    if (estimate.total() > limit) {
      throw new TrainingException(
          "not enough memory: this job needs about "
              + needs
              + " but "
              + where
              + " allows "
              + MemoryEstimate.gib(limit)
              + "; "
              + (spec.lora()
                  ? "lower max_length (now "
                      + hp.maxLength()
                      + ", rows of "
                      + seqLen
                      + " tokens) or batch_size (now "
                      + hp.batchSize()
                      + "), or lora_rank (now "
                      + hp.loraRank()
                      + ")"
                  : "train with LoRA (training_type efficient_sft), or lower max_length (now "
                      + hp.maxLength()
                      + ", rows of "
                      + seqLen
                      + " tokens) or batch_size (now "
                      + hp.batchSize()
                      + ")")
              + ", or raise trainer.memory-limit");
    }
    events.log(
        "info",
        "memory: about "
            + needs
            + " of "
            + MemoryEstimate.gib(limit)
            + " ("
            + where
            + "); trainer heap limit "
            + MemoryEstimate.gib(Runtime.getRuntime().maxMemory()));
  }

  private void report(String what, LoadedDataset d) {
    String message =
        what
            + ": "
            + d.conversations()
            + " conversations, "
            + d.examples().size()
            + " used ("
            + d.tokens()
            + " tokens)"
            + (d.droppedTooLong() > 0
                ? ", "
                    + d.droppedTooLong()
                    + " dropped for being longer than max_length "
                    + hp.maxLength()
                : "")
            + (d.droppedWithoutAssistant() > 0
                ? ", " + d.droppedWithoutAssistant() + " without an assistant message"
                : "");
    events.log("INFO", message);
  }

  /** Loads, checks and splits the data, logging what it found, as every runtime needs it. */
  TrainingData loadData() throws IOException {
    events.log("info", hp.describeUsed(spec.hyperParameters(), modelDefaults, spec.lora()));
    List<SftExample> train;
    List<SftExample> eval;
    try (Tokenizer tok = Tokenizer.load(spec.modelPath())) {
      ChatTemplate template = ChatTemplate.load(spec.modelPath());
      LoadedDataset loaded = SftDataset.load(spec.trainingFiles(), tok, template, hp.maxLength());
      report("training data", loaded);
      train = loaded.examples();
      if (spec.validationFiles().isEmpty()) {
        eval = List.of();
      } else {
        LoadedDataset v = SftDataset.load(spec.validationFiles(), tok, template, hp.maxLength());
        report("validation data", v);
        eval = v.examples();
      }
    }
    // Without validation files, DashScope holds out (1 - split) of the data. On a small set
    // that would keep prompts from being learned at all, so tuneup splits automatically only
    // from AUTO_SPLIT_MIN_SAMPLES samples on, or whenever the caller set split explicitly.
    boolean splitAsked = spec.hyperParameters().has("split");
    if (eval.isEmpty()
        && hp.split() < 1
        && (splitAsked || train.size() >= AUTO_SPLIT_MIN_SAMPLES)) {
      DatasetSplit parts =
          DatasetSplit.split(train, hp.split(), hp.maxSplitValSamples(), spec.seed());
      train = parts.train();
      eval = parts.validation();
      final int t = train.size();
      final int v = eval.size();
      events.log(
          "INFO", "split the training data: " + t + " samples to train, " + v + " to validate");
    }
    if (train.isEmpty()) {
      throw new TrainingException(
          "no usable training samples (all empty or longer than max_length "
              + hp.maxLength()
              + ")");
    }
    int seqLen = 8;
    for (SftExample e : train) {
      seqLen = Math.max(seqLen, e.inputIds().length);
    }
    seqLen = Math.min(hp.maxLength(), (seqLen + 7) / 8 * 8);
    int rows = Math.max(1, MICRO_BATCH_TOKENS / seqLen);
    checkMemory(seqLen);
    stepsPerEpoch = (train.size() + hp.batchSize() - 1) / hp.batchSize();
    long steps = (long) stepsPerEpoch * hp.epochs();
    if (steps > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "the job would take " + steps + " optimizer steps: lower n_epochs or raise batch_size");
    }
    int totalSteps = (int) steps;
    schedule = hp.schedule(totalSteps);
    events.log(
        "info",
        String.format(
            "%d training and %d evaluation samples, %d steps, learning rate %.2e",
            train.size(), eval.size(), totalSteps, hp.learningRate()));
    return new TrainingData(train, eval, seqLen, rows, stepsPerEpoch, totalSteps);
  }

  /**
   * What both runtimes train on: the examples after tokenising, masking, dropping and the split,
   * the row shape of packed micro-batches and the number of steps.
   */
  record TrainingData(
      List<SftExample> train,
      List<SftExample> eval,
      int seqLen,
      int rows,
      int stepsPerEpoch,
      int totalSteps) {

    /** The examples of epoch {@code epoch} in training order: a shuffle seeded by seed + epoch. */
    List<SftExample> order(int epoch, long seed) {
      List<SftExample> order = new ArrayList<>(train);
      Collections.shuffle(order, new Random(seed + epoch));
      return order;
    }

    /** The examples of optimizer step {@code inEpoch} of an epoch's order. */
    List<SftExample> group(List<SftExample> order, int inEpoch, int batchSize) {
      return order.subList(inEpoch * batchSize, Math.min(order.size(), (inEpoch + 1) * batchSize));
    }
  }

  HyperParameters hyperParameters() {
    return hp;
  }

  Outcome run() throws IOException {
    Engine.getInstance().setRandomSeed((int) spec.seed());
    removeLeftovers();
    TrainingData data = loadData();
    List<SftExample> train = data.train();
    List<SftExample> eval = data.eval();
    int seqLen = data.seqLen();
    int rows = data.rows();
    int totalSteps = data.totalSteps();
    try (NDManager root = NDManager.newBaseManager();
        Transformer model = Transformer.load(spec.modelPath(), root)) {
      // A base that is itself a LoRA result: LoRA training continues that same adapter, so the
      // output is again one adapter on the root base (what deployment expects); full training
      // merges it into the base weights first.
      if (spec.adapterPath() != null && !spec.lora()) {
        try (LoraAdapter base = LoraAdapter.load(spec.adapterPath(), model)) {
          base.mergeInto(model);
        }
      }
      Map<String, NDArray> params;
      LoraAdapter adapter = null;
      if (spec.lora() && spec.adapterPath() != null) {
        adapter = LoraAdapter.load(spec.adapterPath(), model);
        model.setLora(adapter);
        params = adapter.tensors();
        LoraConfig c = adapter.config();
        events.log(
            "info",
            "continuing the adapter in "
                + spec.adapterPath()
                + " (rank "
                + c.r()
                + ", alpha "
                + c.alpha()
                + ", "
                + c.targetModules()
                + "); the job's lora_* settings do not apply");
      } else if (spec.lora()) {
        LoraConfig lc =
            new LoraConfig(
                hp.loraRank(),
                hp.loraAlpha(),
                hp.loraDropout(),
                hp.loraTargets().isEmpty() ? LoraConfig.DEFAULT_TARGETS : hp.loraTargets(),
                spec.modelId().isEmpty() ? spec.modelPath().toString() : spec.modelId());
        adapter = LoraAdapter.create(lc, model, spec.seed());
        model.setLora(adapter);
        params = adapter.tensors();
      } else {
        params = model.weights();
      }
      AdamW optimizer = new AdamW(root.newSubManager(), (float) hp.weightDecay());
      int step = 0;
      long tokens = 0;
      if (spec.resumeFrom() != null) {
        ObjectNode state = restore(spec.resumeFrom(), params, optimizer);
        step = state.path("step").asInt();
        tokens = state.path("tokens").asLong();
        JsonNode es = state.path("early_stopping");
        if (es.isObject()) {
          best.evalLoss = es.path("best_eval_loss").asDouble(Double.POSITIVE_INFINITY);
          best.step = es.path("best_step").asInt();
          best.badEvals = es.path("bad_evals").asInt();
        }
        JsonNode plateau = state.path("lr_plateau");
        if (plateau.isObject()) {
          schedule.restorePlateau(
              plateau.path("lr").asDouble(),
              plateau.path("best").asDouble(Double.POSITIVE_INFINITY),
              plateau.path("bad_evals").asInt());
        }
        events.log("info", "resumed from " + spec.resumeFrom() + " at step " + step);
      }
      for (NDArray p : params.values()) {
        p.setRequiresGradient(true);
      }

      long started = System.nanoTime();
      long tokensThisRun = 0;
      int stepsThisRun = 0;
      double lossSinceLog = 0;
      double correctSinceLog = 0;
      long targetsSinceLog = 0;
      int stepsSinceLog = 0;
      Path lastCheckpoint = null;
      int lastCheckpointStep = -1;
      long lastCheckpointAt = started;
      List<SftExample> order = train;
      int orderEpoch = -1;
      boolean earlyStopping = hp.earlyStoppingPatience() > 0 && !eval.isEmpty();
      if (hp.earlyStoppingPatience() > 0 && eval.isEmpty()) {
        events.log(
            "warn",
            "early_stopping_patience needs validation data (validation_file_ids, or split below"
                + " 1): training runs all its steps");
      }
      boolean earlyStopped = false;
      while (step < totalSteps) {
        if (stopRequested.get()) {
          break;
        }
        int epoch = step / stepsPerEpoch;
        int inEpoch = step % stepsPerEpoch;
        if (epoch != orderEpoch) {
          // once per epoch, not per step: a copy and shuffle of a large set every step is
          // quadratic in the data size
          order = data.order(epoch, spec.seed());
          orderEpoch = epoch;
        }
        List<SftExample> group = data.group(order, inEpoch, hp.batchSize());
        Engine.getInstance().setRandomSeed((int) (spec.seed() * 1_000_003L + step));
        model.setTraining(true);
        float lr = (float) schedule.lrAt(step);
        long stepStart = System.nanoTime();
        StepScore score = trainStep(model, params, optimizer, Packer.pack(group, seqLen, rows), lr);
        double loss = score.loss();
        profile.steps++;
        profile.step += System.nanoTime() - stepStart;
        model.setTraining(false);
        step++;
        stepsThisRun++;
        int stepTokens = 0;
        for (SftExample e : group) {
          stepTokens += e.inputIds().length;
        }
        tokens += stepTokens;
        tokensThisRun += stepTokens;
        lossSinceLog += loss;
        correctSinceLog += score.correct();
        targetsSinceLog += score.targets();
        stepsSinceLog++;
        if (step % Math.max(1, hp.loggingSteps()) == 0 || step == totalSteps) {
          double elapsed = (System.nanoTime() - started) / 1e9;
          final int s = step;
          final double avg = lossSinceLog / stepsSinceLog;
          final double accuracy = correctSinceLog / Math.max(1, targetsSinceLog);
          final long tk = tokens;
          final double tps = tokensThisRun / Math.max(elapsed, 1e-9);
          final double eta = elapsed / stepsThisRun * (totalSteps - step);
          final float lrNow = lr;
          final double ep = (double) step / stepsPerEpoch;
          events.emit(
              new TrainerEvent.Progress(
                  events.now(),
                  s,
                  totalSteps,
                  ep,
                  avg,
                  lrNow,
                  tk,
                  Math.round(tps * 10) / 10.0,
                  Math.round(eta * 10) / 10.0,
                  accuracy));
          lossSinceLog = 0;
          correctSinceLog = 0;
          targetsSinceLog = 0;
          stepsSinceLog = 0;
        }
        if (!eval.isEmpty() && (step % Math.max(1, hp.evalSteps()) == 0 || step == totalSteps)) {
          long t0 = System.nanoTime();
          final StepScore evalScore = evaluate(model, eval, seqLen, rows);
          profile.eval += System.nanoTime() - t0;
          final int s = step;
          events.emit(
              new TrainerEvent.Eval(events.now(), s, evalScore.loss(), evalScore.accuracy()));
          if (earlyStopping) {
            if (evalScore.loss() < best.evalLoss) {
              best.evalLoss = evalScore.loss();
              best.step = step;
              best.badEvals = 0;
              long tb = System.nanoTime();
              writeBest(model, adapter);
              profile.checkpoint += System.nanoTime() - tb;
            } else if (++best.badEvals >= hp.earlyStoppingPatience()) {
              earlyStopped = true;
            }
          }
          if (schedule.onEval(evalScore.loss())) {
            events.log(
                "info",
                String.format(
                    Locale.ROOT,
                    "reduce_lr_on_plateau: eval loss has not improved for %d evaluations,"
                        + " learning rate lowered to %.2e",
                    LrSchedule.PLATEAU_PATIENCE + 1,
                    schedule.lrAt(step)));
          }
        }
        boolean epochEnd = step % stepsPerEpoch == 0;
        boolean intervalPassed =
            System.nanoTime() - lastCheckpointAt >= EPOCH_CHECKPOINT_MIN_INTERVAL_NANOS;
        boolean save;
        if (hp.checkpointLastEpochs() > 0) {
          // OpenAI's rule: the ends of the last N epochs, the final step included, whatever the
          // wall time; earlier epochs only as often as the interval allows (for a lost run),
          // and pruning keeps the last N.
          int firstKept = (hp.epochs() - Math.min(hp.checkpointLastEpochs(), hp.epochs()));
          save = epochEnd && (step > firstKept * stepsPerEpoch || intervalPassed);
        } else if (hp.saveStrategy().equals("epoch")) {
          save = epochEnd && step < totalSteps && intervalPassed;
        } else {
          save = step % Math.max(1, hp.saveSteps()) == 0 && step < totalSteps;
        }
        if (save) {
          long t0 = System.nanoTime();
          lastCheckpoint = checkpoint(model, adapter, optimizer, step, tokens);
          lastCheckpointStep = step;
          lastCheckpointAt = System.nanoTime();
          profile.checkpoint += lastCheckpointAt - t0;
        }
        if (earlyStopped) {
          events.log(
              "info",
              String.format(
                  Locale.ROOT,
                  "early stopping at step %d of %d: eval loss has not improved for %d"
                      + " evaluations (early_stopping_patience)",
                  step,
                  totalSteps,
                  hp.earlyStoppingPatience()));
          break;
        }
      }
      if (step < totalSteps && !earlyStopped) {
        // stop requested: the step in flight has finished; keep its state
        if (lastCheckpointStep != step) {
          lastCheckpoint = checkpoint(model, adapter, optimizer, step, tokens);
        }
        final Path cp = lastCheckpoint;
        final int s = step;
        events.emit(new TrainerEvent.Stopped(events.now(), s, cp.toString()));
        return Outcome.STOPPED;
      }
      if (earlyStopping && best.step > 0) {
        if (best.step != step) {
          loadWeights(spec.jobDir().resolve(BEST_DIR), params);
        }
        events.log(
            "info",
            String.format(
                Locale.ROOT,
                "the output is the best model by eval loss: step %d (eval loss %.4f)",
                best.step,
                best.evalLoss));
      }
      long t0 = System.nanoTime();
      writeOutput(model, adapter);
      deleteRecursively(spec.jobDir().resolve(BEST_DIR));
      profile.output += System.nanoTime() - t0;
      profile.wall = System.nanoTime() - started;
      System.err.println(profile.describe(tokensThisRun));
      final long tk = tokens;
      events.emit(new TrainerEvent.Done(events.now(), spec.outputDir().toString(), tk));
      return Outcome.DONE;
    }
  }

  private StepScore trainStep(
      Transformer model,
      Map<String, NDArray> params,
      AdamW optimizer,
      List<PackedBatch> micro,
      float lr) {
    int targets = 0;
    for (PackedBatch b : micro) {
      targets += Transformer.countTargets(b.labels());
    }
    if (targets == 0) {
      throw new TrainingException("a batch has no assistant tokens to learn from");
    }
    double lossSum = 0;
    double correct = 0;
    for (PackedBatch b : micro) {
      try (NDManager sm = model.manager().newSubManager()) {
        NDArray ids = array(sm, b.inputIds());
        NDArray pos = array(sm, b.positionIds());
        NDArray seg = array(sm, b.segmentIds());
        // the normaliser is a native tensor living until after backward (never mul(Number))
        NDArray inv = sm.full(new Shape(), 1f / targets);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          long t0 = System.nanoTime();
          // the output layer in chunks: the [labelled tokens, vocab] logits never exist at once
          Transformer.Loss sum = model.trainingLoss(ids, pos, seg, b.labels());
          NDArray loss = sum.backward().mul(inv);
          long t1 = System.nanoTime();
          gc.backward(loss);
          long t2 = System.nanoTime();
          lossSum += sum.value();
          correct += sum.correct();
          profile.forward += t1 - t0;
          profile.backward += t2 - t1;
        }
      }
    }
    double loss = lossSum / targets;
    if (!Double.isFinite(loss)) {
      throw new TrainingException(
          "loss is " + loss + " (diverged); lower learning_rate or check the data");
    }
    long t0 = System.nanoTime();
    clipGradients(params);
    long t1 = System.nanoTime();
    optimizer.step(params, lr);
    profile.clip += t1 - t0;
    profile.optimizer += System.nanoTime() - t1;
    return new StepScore(loss, lossSum, correct, targets);
  }

  /**
   * Loss and token accuracy of batches: the summed loss and the count of labelled tokens whose
   * argmax is the label, over {@code targets} labelled tokens.
   */
  record StepScore(double loss, double lossSum, double correct, int targets) {
    double accuracy() {
      return targets == 0 ? Double.NaN : correct / targets;
    }
  }

  private void clipGradients(Map<String, NDArray> params) {
    if (hp.maxGradNorm() <= 0) {
      return;
    }
    double sq = 0;
    for (NDArray p : params.values()) {
      try (NDArray g = p.getGradient();
          NDArray s = g.square();
          NDArray t = s.sum()) {
        sq += t.getFloat();
      }
    }
    double norm = Math.sqrt(sq);
    if (norm > hp.maxGradNorm()) {
      float factor = (float) (hp.maxGradNorm() / (norm + 1e-6));
      for (NDArray p : params.values()) {
        try (NDArray g = p.getGradient()) {
          g.muli(factor);
        }
      }
    }
  }

  private StepScore evaluate(Transformer model, List<SftExample> eval, int seqLen, int rows) {
    double sum = 0;
    double correct = 0;
    int count = 0;
    for (PackedBatch b : Packer.pack(eval, seqLen, rows)) {
      try (NDManager sm = model.manager().newSubManager()) {
        Transformer.Loss score =
            model.evalLoss(
                array(sm, b.inputIds()),
                array(sm, b.positionIds()),
                array(sm, b.segmentIds()),
                b.labels());
        sum += score.value();
        correct += score.correct();
        count += Transformer.countTargets(b.labels());
      }
    }
    return new StepScore(count == 0 ? Double.NaN : sum / count, sum, correct, count);
  }

  static NDArray array(NDManager m, int[][] rows) {
    int s = rows[0].length;
    long[] flat = new long[rows.length * s];
    for (int i = 0; i < rows.length; i++) {
      for (int j = 0; j < s; j++) {
        flat[i * s + j] = rows[i][j];
      }
    }
    return m.create(flat, new Shape(rows.length, s));
  }

  // ---- checkpoints and output ----

  private Path checkpoint(
      Transformer model, LoraAdapter adapter, AdamW optimizer, int step, long tokens)
      throws IOException {
    Path target = spec.jobDir().resolve(TrainingDefaults.checkpointName(step));
    Path tmp =
        Files.createTempDirectory(spec.jobDir(), TrainingDefaults.checkpointTempPrefix(step));
    writeWeights(tmp, model, adapter);
    SafetensorsWriter.writeArrays(
        tmp.resolve("optimizer.safetensors"),
        optimizer.state(),
        Map.of(),
        SafetensorsWriter.Dtype.F32);
    ObjectNode state = JSON.createObjectNode();
    state.put("step", step);
    state.put("epoch", step / stepsPerEpoch);
    state.put("optimizer_steps", optimizer.steps());
    state.put("tokens", tokens);
    state.put("seed", spec.seed());
    state.put("training_type", spec.method().dashScopeName());
    if (best.step > 0) {
      state
          .putObject("early_stopping")
          .put("best_eval_loss", best.evalLoss)
          .put("best_step", best.step)
          .put("bad_evals", best.badEvals);
    }
    double[] plateau = schedule.plateauState();
    ObjectNode p = state.putObject("lr_plateau");
    p.put("lr", plateau[0]);
    if (Double.isFinite(plateau[1])) {
      p.put("best", plateau[1]);
    }
    p.put("bad_evals", (int) plateau[2]);
    Files.writeString(
        tmp.resolve("trainer_state.json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state));
    replace(tmp, target);
    final int s = step;
    events.emit(new TrainerEvent.Checkpoint(events.now(), s, target.toString()));
    prune();
    return target;
  }

  private void prune() throws IOException {
    int keep = hp.checkpointLastEpochs() > 0 ? hp.checkpointLastEpochs() : hp.saveTotalLimit();
    if (keep <= 0) {
      return;
    }
    List<Path> cps;
    try (Stream<Path> s = Files.list(spec.jobDir())) {
      cps =
          s.filter(p -> TrainingDefaults.checkpointStep(p).isPresent())
              .sorted(Comparator.comparingInt(p -> TrainingDefaults.checkpointStep(p).get()))
              .toList();
    }
    for (int i = 0; i < cps.size() - keep; i++) {
      deleteAtomically(cps.get(i));
    }
  }

  /** Reads the trained weights saved in {@code dir} (a checkpoint or the best model) back. */
  private void loadWeights(Path dir, Map<String, NDArray> params) throws IOException {
    Path weights =
        spec.lora() ? dir.resolve("adapter_model.safetensors") : dir.resolve("model.safetensors");
    try (SafetensorsReader r = SafetensorsReader.open(weights)) {
      for (Map.Entry<String, NDArray> e : params.entrySet()) {
        if (!r.contains(e.getKey())) {
          throw new TrainingException("checkpoint " + dir + " lacks " + e.getKey());
        }
        e.getValue().set(r.readBuffer(e.getKey()));
      }
    }
  }

  private void writeBest(Transformer model, LoraAdapter adapter) throws IOException {
    Path tmp = Files.createTempDirectory(spec.jobDir(), ".best-");
    writeWeights(tmp, model, adapter);
    replace(tmp, spec.jobDir().resolve(BEST_DIR));
  }

  private ObjectNode restore(Path dir, Map<String, NDArray> params, AdamW optimizer)
      throws IOException {
    ObjectNode state = (ObjectNode) JSON.readTree(dir.resolve("trainer_state.json").toFile());
    loadWeights(dir, params);
    try (SafetensorsReader r = SafetensorsReader.open(dir.resolve("optimizer.safetensors"))) {
      NDManager m = params.values().iterator().next().getManager();
      Map<String, NDArray> st = new TreeMap<>();
      for (String n : r.names()) {
        st.put(n, r.load(n, m));
      }
      optimizer.restore(st, state.path("optimizer_steps").asInt());
    }
    return state;
  }

  private void writeWeights(Path dir, Transformer model, LoraAdapter adapter) throws IOException {
    if (adapter != null) {
      adapter.save(dir);
    } else {
      model.config().write(dir);
      SafetensorsWriter.writeArrays(
          dir.resolve("model.safetensors"),
          model.weights(),
          Map.of("format", "pt"),
          SafetensorsWriter.Dtype.F32);
    }
  }

  private void writeOutput(Transformer model, LoraAdapter adapter) throws IOException {
    Path out = spec.outputDir();
    Files.createDirectories(out.toAbsolutePath().getParent());
    Path tmp = Files.createTempDirectory(out.toAbsolutePath().getParent(), ".output-");
    writeWeights(tmp, model, adapter);
    if (adapter == null) {
      for (String f :
          List.of(
              "tokenizer.json",
              "tokenizer_config.json",
              "generation_config.json",
              "vocab.json",
              "merges.txt",
              "special_tokens_map.json",
              "chat_template.jinja")) {
        Path src = spec.modelPath().resolve(f);
        if (Files.isRegularFile(src)) {
          Files.copy(src, tmp.resolve(f));
        }
      }
    }
    replace(tmp, out);
  }

  /**
   * Puts the complete directory {@code tmp} in place of {@code target}. A process killed at any
   * point leaves {@code target} either whole (old or new) or absent, never half-deleted: the old
   * copy is renamed aside before the new one is renamed in, and deleted only then.
   */
  private static void replace(Path tmp, Path target) throws IOException {
    Path old = null;
    if (Files.exists(target)) {
      old = aside(target);
    }
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    if (old != null) {
      deleteRecursively(old);
    }
  }

  /**
   * Removes a checkpoint so that a kill mid-way never leaves a listed {@code checkpoint-<step>}
   * with files missing: one rename takes it out of the list, then its files go.
   */
  private static void deleteAtomically(Path dir) throws IOException {
    deleteRecursively(aside(dir));
  }

  private static Path aside(Path dir) throws IOException {
    Path hidden = dir.resolveSibling("." + dir.getFileName() + "-deleted-" + System.nanoTime());
    Files.move(dir, hidden, StandardCopyOption.ATOMIC_MOVE);
    return hidden;
  }

  /**
   * Removes what a killed run left half-written in the job directory: temporary checkpoint and
   * output copies, and checkpoints renamed aside to be deleted. None of them is listed.
   */
  private void removeLeftovers() throws IOException {
    Path out = spec.outputDir().toAbsolutePath().getParent();
    for (Path parent :
        out.equals(spec.jobDir().toAbsolutePath()) ? List.of(out) : List.of(spec.jobDir(), out)) {
      if (!Files.isDirectory(parent)) {
        continue;
      }
      List<Path> stale;
      try (Stream<Path> s = Files.list(parent)) {
        stale =
            s.filter(
                    p -> {
                      String n = p.getFileName().toString();
                      return Files.isDirectory(p)
                          && (n.startsWith(".checkpoint-")
                              || n.startsWith(".output-")
                              || n.matches("\\..+-deleted-\\d+"));
                    })
                .toList();
      }
      for (Path p : stale) {
        deleteRecursively(p);
      }
    }
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
