package dev.tuneup.server;

import static dev.tuneup.server.PullAndAddModelsTest.awaitImport;
import static dev.tuneup.server.PullAndAddModelsTest.awaitOver;
import static dev.tuneup.server.PullAndAddModelsTest.copyOf;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tuneup.model.config.ModelConfig;
import dev.tuneup.model.nn.Transformer;
import dev.tuneup.model.text.TinyTokenizer;
import dev.tuneup.model.weights.HostTensor;
import dev.tuneup.model.weights.SafetensorsWriter;
import dev.tuneup.testkit.http.Api;
import dev.tuneup.testkit.hub.StandInHub;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model Studio's custom-model import ({@code /api/v1/custom_models/import}) over tuneup's model
 * registration: a user's LoRA adapter or full weights from a server directory or a hub repository,
 * imported asynchronously, checked to load before the model is listed.
 */
class CustomModelImportTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String IMPORTS = "/api/v1/custom_models/import";

  @TempDir Path dir;
  private StandInHub hub;
  private TestServer server;
  private Api alice;

  @BeforeEach
  void start() {
    hub = StandInHub.start();
    server = TestServer.start(dir, Map.of("hub.endpoint", hub.endpoint()));
    alice = server.newUser("alice");
  }

  @AfterEach
  void stop() {
    server.close();
    hub.close();
  }

  private Path importDir(String name) throws IOException {
    return Files.createDirectories(server.dataDir().resolve("imports").resolve(name));
  }

  private static String body(String base, String source, String weights, ObjectNode storage) {
    ObjectNode b = JSON.createObjectNode();
    b.put("model_name", base);
    b.put("display_name", "My adapter");
    b.put("source", source);
    b.put("weight_type", weights);
    b.set("storage_info", storage);
    return b.toString();
  }

  private static ObjectNode path(Path p) {
    return JSON.createObjectNode().put("path", p.toString());
  }

  private JsonNode importAndWait(Api api, String body) {
    Api.Resp created = api.post(IMPORTS, body);
    assertThat(created.status()).as(created.body()).isEqualTo(200);
    return awaitOver(api, IMPORTS + "/" + created.output().get("job_id").asText());
  }

  private static JsonNode listed(Api api, String model) {
    for (JsonNode m : api.get("/api/v1/models?page_size=100").output().path("models")) {
      if (m.path("model").asText().equals(model)) {
        return m;
      }
    }
    return null;
  }

  @Test
  void a_lora_adapter_in_an_import_directory_is_imported_checked_listed_and_deployed()
      throws IOException {
    Path adapter = writeAdapter(importDir("my-lora"), 4, 4);

    Api.Resp created = alice.post(IMPORTS, body("tuneup-tiny", "path", "lora", path(adapter)));

    assertThat(created.status()).as(created.body()).isEqualTo(200);
    JsonNode job = created.output();
    assertThat(job.path("status").asText()).isEqualTo("PENDING");
    assertThat(job.path("model_name").asText()).matches("tuneup-tiny-offline-\\d{8}-[0-9a-f]{4}");
    assertThat(job.path("display_name").asText()).isEqualTo("My adapter");
    assertThat(job.path("source").asText()).isEqualTo("PATH");
    assertThat(job.path("weight_type").asText()).isEqualTo("lora");
    assertThat(job.path("storage_info").path("path").asText()).isEqualTo(adapter.toString());
    assertThat(job.path("gmt_create").asText())
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}[+-]\\d\\d:\\d\\d");
    String model = job.path("model_name").asText();
    JsonNode done = awaitOver(alice, IMPORTS + "/" + job.path("job_id").asText());
    assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
    assertThat(done.path("message").asText()).contains("LoRA adapter of rank 4");
    JsonNode m = listed(alice, model);
    assertThat(m.path("type").asText()).isEqualTo("imported");
    assertThat(m.path("training_type").asText()).isEqualTo("efficient_sft");
    assertThat(m.path("base_model").asText()).isEqualTo("tuneup-tiny");
    assertThat(listed(server.newUser("bob"), model)).isNull();

    alice.post("/api/v1/deployments", "{\"model_name\":\"" + model + "\"}");
    awaitRunning(alice, model);
    Api.Resp answer =
        alice.post(
            "/api/v1/services/aigc/text-generation/generation",
            "{\"model\":\""
                + model
                + "\",\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]},"
                + "\"parameters\":{\"result_format\":\"message\",\"max_tokens\":4}}");
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    assertThat(answer.json().path("usage").path("output_tokens").asInt()).isPositive();
  }

  @Test
  void an_adapter_that_does_not_fit_the_base_model_fails_naming_the_tensor_and_is_not_listed()
      throws IOException {
    Path adapter = writeAdapter(importDir("wrong-rank"), 4, 8);

    JsonNode done = importAndWait(alice, body("tuneup-tiny", "path", "lora", path(adapter)));

    assertThat(done.path("status").asText()).isEqualTo("FAILED");
    assertThat(done.path("error_code").asText())
        .contains("lora_A.weight has shape [8, 192], the base model needs [4, 192]");
    assertThat(listed(alice, done.path("model_name").asText())).isNull();
    assertThat(server.dataDir().resolve("models/imports").toFile().list()).isEmpty();
  }

  @Test
  void full_weights_of_the_base_models_shape_are_imported_and_other_shapes_are_refused()
      throws IOException {
    Path same = copyOf(tinyDir(), importDir("full"));
    ModelConfig other =
        new ModelConfig(
            ModelConfig.Architecture.QWEN3,
            128,
            256,
            2,
            4,
            2,
            32,
            1e-6,
            10000.0,
            2112,
            true,
            512,
            false);
    Path different = writeModel(importDir("other-shape"), other);

    JsonNode ok = importAndWait(alice, body("tuneup-tiny", "path", "full", path(same)));
    JsonNode refused = importAndWait(alice, body("tuneup-tiny", "path", "full", path(different)));

    assertThat(ok.path("status").asText()).as(ok.toString()).isEqualTo("SUCCEEDED");
    assertThat(listed(alice, ok.path("model_name").asText()).path("training_type").asText())
        .isEqualTo("sft");
    assertThat(refused.path("status").asText()).isEqualTo("FAILED");
    assertThat(refused.path("error_code").asText())
        .contains("the weights are a Qwen3ForCausalLM with 2 layers, hidden_size 128")
        .contains("but base model tuneup-tiny is a Qwen3ForCausalLM with 3 layers");
  }

  @Test
  void an_adapter_is_imported_from_a_hub_repository_by_id_or_by_its_address() throws IOException {
    Path adapter = writeAdapter(Files.createDirectories(dir.resolve("hub-lora")), 4, 4);
    hub.serve("someone/tiny-lora", adapter);

    JsonNode byId =
        importAndWait(
            alice,
            body(
                "tuneup-tiny",
                "huggingface",
                "lora",
                JSON.createObjectNode().put("repo_id", "someone/tiny-lora")));
    JsonNode byUrl =
        importAndWait(
            alice,
            body(
                "tuneup-tiny",
                "huggingface",
                "lora",
                JSON.createObjectNode()
                    .put("url", hub.endpoint() + "/someone/tiny-lora/tree/main")));

    assertThat(byId.path("status").asText()).as(byId.toString()).isEqualTo("SUCCEEDED");
    assertThat(byId.path("source").asText()).isEqualTo("HUGGINGFACE");
    assertThat(byId.path("storage_info").path("repo_id").asText()).isEqualTo("someone/tiny-lora");
    assertThat(byId.path("commit").asText()).hasSize(40);
    assertThat(byUrl.path("status").asText()).as(byUrl.toString()).isEqualTo("SUCCEEDED");
    assertThat(byUrl.path("storage_info").path("revision").asText()).isEqualTo("main");
  }

  @Test
  void a_users_import_may_not_read_a_private_repository_with_the_servers_token()
      throws IOException {
    server.close();
    Path adapter = writeAdapter(Files.createDirectories(dir.resolve("secret-lora")), 4, 4);
    hub.servePrivate("acme/secret-lora", adapter, "hf_server");
    server =
        TestServer.start(dir, Map.of("hub.endpoint", hub.endpoint(), "hub.token", "hf_server"));
    Api user = server.newUser("carol");
    ObjectNode noToken = JSON.createObjectNode().put("repo_id", "acme/secret-lora");
    ObjectNode ownToken =
        JSON.createObjectNode().put("repo_id", "acme/secret-lora").put("token", "hf_server");

    JsonNode refused = importAndWait(user, body("tuneup-tiny", "huggingface", "lora", noToken));
    JsonNode allowed = importAndWait(user, body("tuneup-tiny", "huggingface", "lora", ownToken));

    assertThat(refused.path("status").asText()).isEqualTo("FAILED");
    assertThat(refused.path("error_code").asText()).contains("needs a token");
    assertThat(allowed.path("status").asText()).as(allowed.toString()).isEqualTo("SUCCEEDED");
    assertThat(allowed.path("storage_info").has("token")).isFalse();
  }

  @Test
  void a_running_import_cannot_be_deleted_and_a_finished_one_is_deleted_with_its_model_and_files()
      throws IOException {
    Path adapter = writeAdapter(Files.createDirectories(dir.resolve("slow-lora")), 4, 4);
    hub.serve("someone/slow-lora", adapter);
    hub.throttle(20_000);
    String id =
        alice
            .post(
                IMPORTS,
                body(
                    "tuneup-tiny",
                    "huggingface",
                    "lora",
                    JSON.createObjectNode().put("repo_id", "someone/slow-lora")))
            .output()
            .get("job_id")
            .asText();
    awaitImport(
        alice,
        IMPORTS + "/" + id,
        Duration.ofSeconds(30),
        i -> i.path("status").asText().equals("RUNNING"));

    Api.Resp early = alice.delete(IMPORTS + "/" + id);

    assertThat(early.status()).isEqualTo(400);
    assertThat(early.code()).isEqualTo("OperationDenied");
    assertThat(early.json().path("message").asText())
        .isEqualTo("The import job is currently running and cannot be deleted.");
    hub.throttle(0);
    JsonNode done = awaitOver(alice, IMPORTS + "/" + id);
    assertThat(done.path("status").asText()).isEqualTo("SUCCEEDED");
    String model = done.path("model_name").asText();
    Path files = server.dataDir().resolve("models/imports/" + id);
    assertThat(files.resolve("adapter_model.safetensors")).exists();

    Api.Resp deleted = alice.delete(IMPORTS + "/" + id);

    assertThat(deleted.status()).isEqualTo(200);
    assertThat(deleted.output().path("job_id").asText()).isEqualTo(id);
    assertThat(deleted.output().path("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(alice.get(IMPORTS + "/" + id).status()).isEqualTo(404);
    assertThat(listed(alice, model)).isNull();
    assertThat(files).doesNotExist();
  }

  @Test
  void a_deployed_imported_model_is_not_deleted_until_its_deployment_is() throws IOException {
    Path adapter = writeAdapter(importDir("deployed"), 4, 4);
    JsonNode done = importAndWait(alice, body("tuneup-tiny", "path", "lora", path(adapter)));
    String model = done.path("model_name").asText();
    alice.post("/api/v1/deployments", "{\"model_name\":\"" + model + "\"}");

    Api.Resp refused = alice.delete(IMPORTS + "/" + done.path("job_id").asText());

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.code()).isEqualTo("UnsupportedOperation");
    assertThat(refused.json().path("message").asText())
        .contains("is deployed as " + model)
        .contains("delete that deployment first");
  }

  @Test
  void bad_requests_are_refused_naming_the_field() throws IOException {
    Path outside = Files.createDirectories(dir.resolve("elsewhere"));
    writeAdapter(outside, 4, 4);
    Path inside = writeAdapter(importDir("ok"), 4, 4);
    Path link = server.dataDir().resolve("imports/link-out");
    Files.createSymbolicLink(link, outside);

    Api.Resp notAllowed = alice.post(IMPORTS, body("tuneup-tiny", "path", "lora", path(outside)));
    Api.Resp viaLink = alice.post(IMPORTS, body("tuneup-tiny", "path", "lora", path(link)));
    Api.Resp oss =
        alice.post(
            IMPORTS,
            body(
                "tuneup-tiny",
                "oss",
                "lora",
                JSON.createObjectNode().put("bucket_name", "b").put("object_key", "m/")));
    Api.Resp noType = alice.post(IMPORTS, body("tuneup-tiny", "path", null, path(inside)));
    Api.Resp badType = alice.post(IMPORTS, body("tuneup-tiny", "path", "qlora", path(inside)));
    Api.Resp unknownBase = alice.post(IMPORTS, body("qwen9-999b", "path", "lora", path(inside)));
    Api.Resp noStorage =
        alice.post(
            IMPORTS,
            "{\"model_name\":\"tuneup-tiny\",\"source\":\"path\",\"weight_type\":\"lora\"}");
    ObjectNode longName =
        (ObjectNode) JSON.readTree(body("tuneup-tiny", "path", "lora", path(inside)));
    longName.put("display_name", "x".repeat(51));
    Api.Resp tooLong = alice.post(IMPORTS, longName.toString());
    Api.Resp badStatus = alice.get(IMPORTS + "?status=DONE");

    assertThat(notAllowed.status()).isEqualTo(400);
    assertThat(notAllowed.json().path("message").asText())
        .contains("is not inside a directory users may import from")
        .contains("models.import-dirs");
    assertThat(viaLink.status()).isEqualTo(400);
    assertThat(oss.status()).isEqualTo(400);
    assertThat(oss.json().path("message").asText()).contains("source oss is not available");
    assertThat(noType.json().path("message").asText()).contains("Missing weight_type");
    assertThat(badType.json().path("message").asText()).contains("Unsupported weight_type 'qlora'");
    assertThat(unknownBase.status()).isEqualTo(404);
    assertThat(unknownBase.code()).isEqualTo("NotFound");
    assertThat(noStorage.json().path("message").asText()).contains("Missing storage_info");
    assertThat(tooLong.json().path("message").asText()).contains("display_name is at most 50");
    assertThat(badStatus.status()).isEqualTo(400);
    assertThat(alice.get(IMPORTS).output().path("total").asInt()).isZero();
  }

  @Test
  void the_list_shows_the_callers_imports_newest_first_filtered_by_status_and_model_name()
      throws IOException {
    Path good = writeAdapter(importDir("good"), 4, 4);
    Path bad = writeAdapter(importDir("bad"), 4, 8);
    JsonNode first = importAndWait(alice, body("tuneup-tiny", "path", "lora", path(good)));
    JsonNode second = importAndWait(alice, body("tuneup-tiny", "path", "lora", path(bad)));
    Api bob = server.newUser("bob");

    JsonNode all = alice.get(IMPORTS + "?page_no=1&page_size=10").output();
    JsonNode succeeded = alice.get(IMPORTS + "?status=SUCCESSED").output();
    JsonNode byName =
        alice.get(IMPORTS + "?model_name=" + second.path("model_name").asText()).output();

    assertThat(all.path("total").asInt()).isEqualTo(2);
    assertThat(all.path("list").get(0).path("job_id").asText())
        .isEqualTo(second.path("job_id").asText());
    assertThat(succeeded.path("list")).hasSize(1);
    assertThat(succeeded.path("list").get(0).path("job_id").asText())
        .isEqualTo(first.path("job_id").asText());
    assertThat(byName.path("total").asInt()).isEqualTo(1);
    assertThat(bob.get(IMPORTS).output().path("total").asInt()).isZero();
    assertThat(bob.get(IMPORTS + "/" + first.path("job_id").asText()).status()).isEqualTo(404);
  }

  private Path tinyDir() {
    return dir.resolve("base-models").resolve("tuneup-tiny");
  }

  private static void awaitRunning(Api api, String deployed) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    String status = "";
    while (System.nanoTime() < deadline) {
      status = api.get("/api/v1/deployments/" + deployed).output().path("status").asText();
      if (status.equals("RUNNING")) {
        return;
      }
      assertThat(status).isNotEqualTo("FAILED");
      TestServer.sleep(50);
    }
    throw new AssertionError(deployed + " is " + status);
  }

  /**
   * A PEFT LoRA adapter for tuneup-tiny (Qwen3: hidden 192, 6 heads and 2 KV heads of 32, 3 layers)
   * on q_proj and v_proj, with small random weights.
   */
  static Path writeAdapter(Path into, int configRank, int storedRank) throws IOException {
    ObjectNode config = JSON.createObjectNode();
    config.put("peft_type", "LORA");
    config.put("task_type", "CAUSAL_LM");
    config.put("r", configRank);
    config.put("lora_alpha", 8);
    config.put("lora_dropout", 0.0);
    config.putArray("target_modules").add("q_proj").add("v_proj");
    config.put("base_model_name_or_path", "tuneup-tiny");
    Files.writeString(into.resolve("adapter_config.json"), config.toString());
    Random rnd = new Random(7);
    Map<String, HostTensor> t = new LinkedHashMap<>();
    for (int l = 0; l < 3; l++) {
      for (String m : List.of("q_proj", "v_proj")) {
        int out = m.equals("q_proj") ? 192 : 64;
        String p = "base_model.model.model.layers." + l + ".self_attn." + m;
        t.put(p + ".lora_A.weight", random(rnd, storedRank, 192));
        t.put(p + ".lora_B.weight", random(rnd, out, storedRank));
      }
    }
    SafetensorsWriter.writeHost(
        into.resolve("adapter_model.safetensors"),
        t,
        Map.of("format", "pt"),
        SafetensorsWriter.Dtype.F32);
    return into;
  }

  /** A model of the given shape with the tiny tokenizer and random weights. */
  static Path writeModel(Path into, ModelConfig config) throws IOException {
    TinyTokenizer.write(into);
    config.write(into);
    Random rnd = new Random(11);
    Map<String, HostTensor> w = new LinkedHashMap<>();
    for (Map.Entry<String, Shape> e : Transformer.expectedShapes(config).entrySet()) {
      long[] s = e.getValue().getShape();
      w.put(e.getKey(), random(rnd, (int) s[0], s.length > 1 ? (int) s[1] : 1, s));
    }
    SafetensorsWriter.writeHost(
        into.resolve("model.safetensors"), w, Map.of("format", "pt"), SafetensorsWriter.Dtype.BF16);
    return into;
  }

  private static HostTensor random(Random rnd, int rows, int cols) {
    return random(rnd, rows, cols, new long[] {rows, cols});
  }

  private static HostTensor random(Random rnd, int rows, int cols, long[] shape) {
    float[] data = new float[rows * cols];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) (rnd.nextGaussian() * 0.02);
    }
    return new HostTensor(shape, data);
  }
}
