package dev.tuneup.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tuneup.model.lora.LoraConfig;
import dev.tuneup.trainer.data.PackedBatch;
import dev.tuneup.trainer.data.Packer;
import dev.tuneup.trainer.data.SftExample;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes the batches of a run once, for a runtime outside this JVM: {@code plan.json} (shape, step
 * counts and every resolved hyper-parameter) and {@code batches.safetensors} of int32 tensors, laid
 * out as tuneup-torch's {@code batches.py} documents. The steps are the ones {@link Trainer} runs:
 * the same epoch shuffles, the same groups, the same packing.
 */
final class PreparedBatches {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] FIELDS = {"input_ids", "labels", "position_ids", "segment_ids"};

  private PreparedBatches() {}

  /** Writes {@code dir/plan.json} and {@code dir/batches.safetensors}; returns {@code dir}. */
  static Path write(
      Path dir, Trainer.TrainingData data, HyperParameters hp, TrainSpec spec, boolean ckpt)
      throws IOException {
    Files.createDirectories(dir);
    List<PackedBatch> micro = new ArrayList<>();
    List<Integer> stepOffsets = new ArrayList<>(List.of(0));
    List<Integer> stepTokens = new ArrayList<>();
    int[][] epochOrder = new int[hp.epochs()][];
    for (int epoch = 0; epoch < hp.epochs(); epoch++) {
      List<SftExample> order = data.order(epoch, spec.seed());
      List<Integer> idx = new ArrayList<>();
      for (int i = 0; i < data.train().size(); i++) {
        idx.add(i);
      }
      // the same permutation as order(): shuffle depends only on the size and the generator
      Collections.shuffle(idx, new Random(spec.seed() + epoch));
      epochOrder[epoch] = idx.stream().mapToInt(Integer::intValue).toArray();
      for (int s = 0; s < data.stepsPerEpoch(); s++) {
        List<SftExample> group = data.group(order, s, hp.batchSize());
        List<PackedBatch> packed = Packer.pack(group, data.seqLen(), data.rows());
        micro.addAll(packed);
        stepOffsets.add(micro.size());
        stepTokens.add(group.stream().mapToInt(SftExample::length).sum());
      }
    }
    Map<String, Tensor> t = new LinkedHashMap<>();
    rows(t, "train", micro, data.seqLen());
    t.put("train.step_offsets", Tensor.of(stepOffsets));
    t.put("train.step_tokens", Tensor.of(stepTokens));
    int n = data.train().size();
    int[] flat = new int[hp.epochs() * n];
    for (int e = 0; e < hp.epochs(); e++) {
      System.arraycopy(epochOrder[e], 0, flat, e * n, n);
    }
    t.put("train.epoch_order", new Tensor(flat, new long[] {hp.epochs(), n}));
    if (!data.eval().isEmpty()) {
      rows(t, "eval", Packer.pack(data.eval(), data.seqLen(), data.rows()), data.seqLen());
    }
    writeSafetensors(dir.resolve("batches.safetensors"), t);
    ObjectNode plan = JSON.createObjectNode();
    plan.put("format", 1);
    plan.put("seq_len", data.seqLen());
    plan.put("rows", data.rows());
    plan.put("steps_per_epoch", data.stepsPerEpoch());
    plan.put("total_steps", data.totalSteps());
    plan.put("epochs", hp.epochs());
    plan.put("train_samples", data.train().size());
    plan.put("eval_samples", data.eval().size());
    ObjectNode h = plan.putObject("hyper_parameters");
    h.put("learning_rate", hp.learningRate());
    h.put("lr_scheduler_type", hp.scheduler());
    h.put("warmup_ratio", hp.warmupRatio());
    h.put("weight_decay", hp.weightDecay());
    h.put("max_grad_norm", hp.maxGradNorm());
    h.put("eval_steps", hp.evalSteps());
    h.put("logging_steps", hp.loggingSteps());
    h.put("save_strategy", hp.saveStrategy());
    h.put("save_steps", hp.saveSteps());
    h.put("save_total_limit", hp.saveTotalLimit());
    h.put("lora_rank", hp.loraRank());
    h.put("lora_alpha", hp.loraAlpha());
    h.put("lora_dropout", hp.loraDropout());
    var targets = h.putArray("lora_target_modules");
    (hp.loraTargets().isEmpty() ? LoraConfig.DEFAULT_TARGETS : hp.loraTargets())
        .forEach(targets::add);
    h.put("gradient_checkpointing", ckpt);
    Files.writeString(
        dir.resolve("plan.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(plan));
    return dir;
  }

  private static void rows(Map<String, Tensor> t, String split, List<PackedBatch> micro, int s) {
    int total = micro.stream().mapToInt(b -> b.inputIds().length).sum();
    int[][] out = new int[FIELDS.length][total * s];
    List<Integer> offsets = new ArrayList<>(List.of(0));
    int row = 0;
    for (PackedBatch b : micro) {
      int[][][] fields = {b.inputIds(), b.labels(), b.positionIds(), b.segmentIds()};
      for (int r = 0; r < b.inputIds().length; r++, row++) {
        for (int f = 0; f < FIELDS.length; f++) {
          System.arraycopy(fields[f][r], 0, out[f], row * s, s);
        }
      }
      offsets.add(row);
    }
    for (int f = 0; f < FIELDS.length; f++) {
      t.put(split + "." + FIELDS[f], new Tensor(out[f], new long[] {total, s}));
    }
    t.put(split + ".micro_offsets", Tensor.of(offsets));
  }

  record Tensor(int[] data, long[] shape) {
    static Tensor of(List<Integer> values) {
      return new Tensor(
          values.stream().mapToInt(Integer::intValue).toArray(), new long[] {values.size()});
    }
  }

  /** int32 safetensors: 8-byte little-endian header length, JSON header, little-endian data. */
  static void writeSafetensors(Path file, Map<String, Tensor> tensors) throws IOException {
    ObjectNode header = JSON.createObjectNode();
    header.putObject("__metadata__").put("format", "tuneup-batches");
    long offset = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      ObjectNode o = header.putObject(e.getKey());
      o.put("dtype", "I32");
      var shape = o.putArray("shape");
      for (long d : e.getValue().shape()) {
        shape.add(d);
      }
      long bytes = 4L * e.getValue().data().length;
      o.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    byte[] json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8;
    try (OutputStream out =
        new BufferedOutputStream(new FileOutputStream(file.toFile()), 1 << 20)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      len.putLong(padded);
      out.write(len.array());
      out.write(json);
      for (int i = json.length; i < padded; i++) {
        out.write(' ');
      }
      ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
      for (Tensor t : tensors.values()) {
        for (int v : t.data()) {
          if (!buf.hasRemaining()) {
            out.write(buf.array(), 0, buf.position());
            buf.clear();
          }
          buf.putInt(v);
        }
      }
      out.write(buf.array(), 0, buf.position());
    }
  }
}
