package dev.tuneup.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuneup.testkit.http.Api;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in Debian's headless Chromium, driven by Selenium, against the real server: sign
 * in, upload by drag and drop, a rejected file's lines, create jobs, a queue position, watch the
 * loss chart grow, pause, resume and cancel, a real fine-tune deployed from its page and chatted
 * with. Long runs to watch and cancel are scripted (they cost nothing); the deployed model comes
 * from a short real fine-tune of the built-in model. Screenshots go to {@code
 * target/console-screenshots/}.
 */
@Tag("slow")
class ConsoleBrowserTest {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path DRIVER = Path.of("/usr/bin/chromedriver");
  static final Path SHOTS = Path.of("target/console-screenshots");

  @TempDir static Path dir;
  static TestServer server;
  static WebDriver browser;
  static WebDriverWait wait;

  @BeforeAll
  static void start() throws IOException {
    assertThat(Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER))
        .as(
            "headless Chromium and its driver: run .ci/run, or apt-get install chromium"
                + " chromium-driver")
        .isTrue();
    server =
        TestServer.start(
            dir,
            Map.of(
                "jobs.stop-grace", "5s",
                "backend.local.trainer-command", MixedTrainer.command(),
                "backend.local.slots", "2",
                "jobs.max-running", "2"));
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,943");
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).build();
    browser = new ChromeDriver(service, options);
    browser.manage().window().setSize(new Dimension(1280, 943));
    wait = new WebDriverWait(browser, Duration.ofSeconds(45));
    // pages re-render as they refresh: look again rather than fail on a replaced element
    wait.ignoring(StaleElementReferenceException.class);
    Files.createDirectories(SHOTS);
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void console_walkthrough_sign_in_upload_train_cancel_deploy_chat() throws Exception {
    String key = server.newUserKey("browser");
    browser.get(server.url() + "/console");

    // sign in: a wrong key is refused on the page
    find("#key").sendKeys("sk-wrong.key");
    click("#signin");
    awaitText("#signin-error", "Invalid API-key");
    shot("01-sign-in-refused");
    find("#key").clear();
    find("#key").sendKeys(key);
    click("#signin");
    find("#jobs");

    // files: drop one on the drop zone, then pick a broken one: its bad line is named
    String data = Files.readString(Path.of("../docs/sample-train.jsonl"));
    click("#nav-files");
    find("#dropzone");
    ((JavascriptExecutor) browser)
        .executeScript(
            "const dt = new DataTransfer();"
                + "dt.items.add(new File([arguments[0]], 'sample.jsonl'));"
                + "document.getElementById('dropzone').dispatchEvent("
                + "new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));",
            data);
    awaitText("#uploaded", "sample.jsonl: file-");
    awaitText("#files", "sample.jsonl");
    int lines = data.split("\n").length;
    Path bad =
        Files.writeString(
            dir.resolve("broken.jsonl"),
            data + "{oops\n" + "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}\n");
    find("#file-input").sendKeys(bad.toString());
    awaitText("#upload-errors", "broken.jsonl: line " + (lines + 1));
    assertThat(find("#upload-errors").findElements(By.tagName("li")))
        .extracting(WebElement::getText)
        .anySatisfy(e -> assertThat(e).startsWith("broken.jsonl: line " + (lines + 2) + ":"));
    assertThat(find("#files").getText()).doesNotContain("broken.jsonl");
    shot("02-files");

    // three jobs from the form: a short real fine-tune, a long scripted run, and one that queues
    click("#nav-jobs");
    String trained =
        createJob(
            "{\"n_epochs\":4,\"batch_size\":2,\"learning_rate\":\"1e-3\","
                + "\"lr_scheduler_type\":\"cosine\",\"warmup_ratio\":0.1,\"split\":0.75,"
                + "\"eval_steps\":4,\"logging_steps\":1,"
                + "\"save_strategy\":\"steps\",\"save_steps\":10}");
    String watched = createJob("{\"test_steps\":600,\"test_step_ms\":100}");
    String queued = createJob("{\"test_steps\":5}");
    awaitText(row(trained) + " .status-cell", "RUNNING");
    awaitText(row(watched) + " .status-cell", "RUNNING");
    awaitText(row(queued) + " .status-cell", "QUEUING");
    awaitText(row(queued) + " .queue", "1");
    wait.until(
        d -> !d.findElement(By.cssSelector(row(watched) + " .progress")).getText().isBlank());
    shot("03-jobs-queue");

    // the queued job: cancelled before it ran, then deleted
    click(row(queued));
    awaitText("#job-status", "QUEUING");
    click("#cancel");
    awaitText("#job-status", "CANCELED");
    click("#delete");
    find("#jobs");
    find(row(watched));
    assertThat(browser.findElements(By.cssSelector(row(queued)))).isEmpty();

    // the long run: its chart grows while it runs; paused, resumed, then cancelled
    click(row(watched));
    wait.until(d -> points() >= 2);
    int first = points();
    wait.until(d -> points() > first);
    awaitText("#log", "step ");
    assertThat(find("#hp").getText()).contains("test_steps");
    shot("04-job-running");
    click("#pause");
    awaitText("#job-status", "PAUSED");
    awaitText("#checkpoints", "checkpoint-");
    int paused = points();
    click("#resume");
    awaitText("#job-status", "RUNNING");
    wait.until(d -> points() > paused);
    click("#cancel");
    awaitText("#job-status", "CANCELED");
    click("#nav-jobs");
    awaitText(row(watched) + " .status-cell", "CANCELED");

    // the real fine-tune: its loss and eval-loss curves, checkpoints, and Deploy
    click(row(trained));
    new WebDriverWait(browser, Duration.ofMinutes(10))
        .ignoring(StaleElementReferenceException.class)
        .until(d -> d.findElement(By.id("job-status")).getText().contains("SUCCEEDED"));
    wait.until(d -> points() > 0 && attribute("#chart", "data-eval-points") > 0);
    awaitText("#checkpoints", "checkpoint-");
    // the chart grew from a cursor: each step once, however many refreshes overlapped
    Api owner = new Api(server.url(), key);
    long steps =
        StreamSupport.stream(
                owner
                    .get("/api/v1/fine-tunes/" + trained + "/metrics")
                    .output()
                    .get("points")
                    .spliterator(),
                false)
            .map(p -> p.get("step").asInt())
            .distinct()
            .count();
    assertThat(points()).isPositive().isLessThanOrEqualTo((int) steps);
    shot("05-job-trained");
    click("#nav-jobs");
    awaitText(row(trained) + " .status-cell", "SUCCEEDED");
    awaitText(row(watched) + " .status-cell", "CANCELED");
    shot("06-jobs");

    // deploy it from its page and chat with it in the playground: the answer streams in, event by
    // event (twenty steps teach the tiny model the chat layout's line breaks, not yet its answers;
    // FineTuneDeployChatEndToEndTest trains it until it answers in words)
    click(row(trained));
    wait.until(d -> d.findElement(By.id("deploy")).isEnabled());
    click("#deploy");
    find("#deployments");
    awaitText("#deployments", "RUNNING");
    wait.until(d -> !new Select(d.findElement(By.id("chat-model"))).getOptions().isEmpty());
    assertThat(new Select(find("#chat-model")).getFirstSelectedOption().getText())
        .startsWith(TestServer.MODEL + "-ft-");
    chat("What is tuneup?");
    assertThat(find("#chat-answer").getAttribute("textContent")).isNotEmpty();

    // the base model, deployed from the deployments page's form, joins the playground's models
    new Select(find("#deploy-model")).selectByValue(TestServer.MODEL);
    click("#deploy");
    awaitText("tr[data-deployment='" + TestServer.MODEL + "'] .status-cell", "RUNNING");
    wait.until(d -> new Select(d.findElement(By.id("chat-model"))).getOptions().size() == 2);
    shot("07-deployments-chat");

    // sign out: back to the sign-in form, and the key is forgotten
    click("#signout");
    find("#key");
    browser.navigate().refresh();
    find("#key");
  }

  /** Sends a message in the playground and waits for its streamed answer to end. */
  static void chat(String message) {
    WebElement input = find("#chat-input");
    input.clear();
    input.sendKeys(message);
    click("#chat-send");
    wait.until(d -> "true".equals(d.findElement(By.id("chat-answer")).getAttribute("data-done")));
    String events = find("#chat-usage").getText();
    Matcher usage = Pattern.compile("([0-9]+) tokens in ([0-9]+) events").matcher(events);
    assertThat(usage.matches()).as(events).isTrue();
    assertThat(Integer.parseInt(usage.group(1))).as(events).isPositive();
    assertThat(Integer.parseInt(usage.group(2))).as(events).isGreaterThan(1);
  }

  /** Creates a job of the built-in model on the uploaded file from the jobs page's form. */
  static String createJob(String hyperParameters) {
    WebElement before = find("#job-created");
    String previous = before.getText();
    wait.until(
        d -> {
          Select file = new Select(d.findElement(By.id("job-file")));
          if (file.getOptions().isEmpty()) {
            return false;
          }
          file.selectByIndex(0);
          new Select(d.findElement(By.id("job-model"))).selectByValue(TestServer.MODEL);
          WebElement hp = d.findElement(By.id("job-hp"));
          hp.clear();
          hp.sendKeys(hyperParameters);
          d.findElement(By.id("job-create")).click();
          return true;
        });
    wait.until(
        d -> {
          String text = d.findElement(By.id("job-created")).getText();
          return text.startsWith("Created ft-") && !text.equals(previous);
        });
    String id = find("#job-created").getText().replace("Created ", "").trim();
    find(row(id));
    return id;
  }

  static String row(String jobId) {
    return "tr[data-job-id='" + jobId + "']";
  }

  static int points() {
    return attribute("#chart", "data-points");
  }

  static int attribute(String css, String name) {
    String v = browser.findElement(By.cssSelector(css)).getAttribute(name);
    return v == null ? 0 : Integer.parseInt(v);
  }

  static void shot(String name) throws IOException {
    byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
    Files.write(SHOTS.resolve(name + ".png"), png);
  }

  static WebElement find(String css) {
    return wait.until(d -> d.findElement(By.cssSelector(css)));
  }

  /** Clicks, looking the element up again if a refresh replaced it in between. */
  static void click(String css) {
    wait.until(
        d -> {
          d.findElement(By.cssSelector(css)).click();
          return true;
        });
  }

  static void awaitText(String css, String text) {
    wait.until(
        d -> {
          var found = d.findElements(By.cssSelector(css));
          return !found.isEmpty() && found.get(0).getText().contains(text);
        });
  }

  @Test
  void the_console_is_served_with_a_policy_that_allows_only_its_own_origin() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    for (String path : List.of("/console", "/console/", "/console/app.js")) {
      HttpResponse<String> page =
          http.send(
              HttpRequest.newBuilder(URI.create(server.url() + path)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).as(path).isEqualTo(200);
      assertThat(page.headers().firstValue("Content-Security-Policy").orElse(""))
          .as(path)
          .contains("default-src 'self'")
          .contains("script-src 'self'")
          .contains("connect-src 'self'");
      assertThat(page.body()).as(path).doesNotContain("https://").doesNotContain("http://");
    }
    HttpResponse<String> index =
        http.send(
            HttpRequest.newBuilder(URI.create(server.url() + "/console")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(index.body()).contains("/webjars/uplot/1.6.30/dist/uPlot.iife.min.js");
    HttpResponse<String> lib =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(server.url() + "/webjars/uplot/1.6.30/dist/uPlot.iife.min.js"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(lib.statusCode()).isEqualTo(200);
    assertThat(lib.body()).contains("uPlot");
  }

  @Test
  void the_metrics_of_a_job_are_its_loss_points_by_step() {
    Api api = server.newUser("metrics");
    String file = api.uploadTrainingFile("t.jsonl", Samples.TRAIN_JSONL);
    String id =
        api.post(
                "/api/v1/fine-tunes",
                Samples.sdkCreate(TestServer.MODEL, file, "{\"test_steps\":5,\"test_step_ms\":20}"))
            .output()
            .get("job_id")
            .asText();
    TestServer.awaitStatus(api, id, "SUCCEEDED");

    var points = api.get("/api/v1/fine-tunes/" + id + "/metrics").output().get("points");
    assertThat(points).hasSize(5);
    for (int i = 0; i < 5; i++) {
      assertThat(points.get(i).get("step").asInt()).isEqualTo(i + 1);
      assertThat(points.get(i).has("eval_loss")).isFalse();
    }
    assertThat(points.get(4).get("loss").asDouble())
        .isLessThan(points.get(0).get("loss").asDouble());
    Api.Resp all = api.get("/api/v1/fine-tunes/" + id + "/metrics");
    long end = all.output().get("next_line").asLong();
    List<String> logs = new ArrayList<>();
    api.get("/api/v1/fine-tunes/" + id + "/logs?offset=1&line=1000")
        .output()
        .get("logs")
        .forEach(l -> logs.add(l.asText()));
    int step5 = 0;
    while (!logs.get(step5).contains(" - INFO - step 5/5,")) {
      step5++;
    }
    assertThat(end).as("the line after the last point read").isEqualTo(step5 + 1);
    int step4 = 0;
    while (!logs.get(step4).contains(" - INFO - step 4/5,")) {
      step4++;
    }
    var newer =
        api.get("/api/v1/fine-tunes/" + id + "/metrics?after_line=" + step4).output().get("points");
    assertThat(newer).hasSize(2);
    assertThat(newer.get(0).get("step").asInt()).isEqualTo(4);
    assertThat(newer.get(1).get("step").asInt()).isEqualTo(5);
    Api.Resp none = api.get("/api/v1/fine-tunes/" + id + "/metrics?after_line=" + end);
    assertThat(none.output().get("points")).isEmpty();
    assertThat(none.output().get("next_line").asLong()).isEqualTo(end);
    for (String bad : List.of("-1", "x")) {
      Api.Resp r = api.get("/api/v1/fine-tunes/" + id + "/metrics?after_line=" + bad);
      assertThat(r.status()).as(bad).isEqualTo(400);
      assertThat(r.json().get("code").asText()).isEqualTo("InvalidParameter");
      assertThat(r.json().get("message").asText()).contains("after_line");
    }
    Api.Resp missing = api.get("/api/v1/fine-tunes/ft-nope/metrics");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.json().has("request_id")).isTrue();
    assertThat(server.newUser("other").get("/api/v1/fine-tunes/" + id + "/metrics").status())
        .isEqualTo(404);
  }
}
