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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
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
 * in, upload by drag and drop, a rejected file's lines, create a job, watch the loss chart grow,
 * cancel, deploy, chat. Screenshots go to {@code target/console-screenshots/}.
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
    // the real trainer, so the job page shows a real loss curve and the deployed model its answer
    String trainer = TestServer.realTrainerCommand();
    server =
        TestServer.start(
            dir, Map.of("jobs.stop-grace", "5s", "backend.local.trainer-command", trainer));
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,900");
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).build();
    browser = new ChromeDriver(service, options);
    browser.manage().window().setSize(new Dimension(1280, 900));
    wait = new WebDriverWait(browser, Duration.ofSeconds(45));
    // pages re-render as they refresh: look again rather than fail on a replaced element
    wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
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
  void console_walkthrough_sign_in_upload_train_cancel_deploy_chat() throws Exception {
    String key = server.newUserKey("browser");
    browser.get(server.url() + "/console");

    // sign in: a wrong key is refused on the page
    find("#key").sendKeys("sk-wrong.key");
    click("#signin");
    awaitText("#signin-error", "");
    wait.until(d -> !d.findElement(By.id("signin-error")).getText().isBlank());
    shot("01-sign-in-refused");
    find("#key").clear();
    find("#key").sendKeys(key);
    click("#signin");
    find("#jobs");

    // files: drop one, then a broken one through the file input
    List<String> sample = Files.readAllLines(Path.of("../docs/sample-train.jsonl")).subList(0, 4);
    String data = String.join("\n", sample) + "\n";
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
    Path bad = Files.writeString(dir.resolve("broken.jsonl"), data + "{oops\n");
    find("#file-input").sendKeys(bad.toString());
    awaitText("#upload-errors", "line");
    assertThat(find("#upload-errors").getText()).contains("broken.jsonl: line 5");
    shot("02-files");

    // a real fine-tune, created from the form: the chart grows while it trains
    click("#nav-jobs");
    String trained =
        createJob(
            "{\"n_epochs\":150,\"batch_size\":4,\"learning_rate\":\"2e-3\",\"split\":1,"
                + "\"logging_steps\":1,"
                + "\"lr_scheduler_type\":\"cosine\",\"warmup_ratio\":0.05,"
                + "\"save_strategy\":\"steps\",\"save_steps\":50}");
    click("tr[data-job-id='" + trained + "']");
    find("#chart");
    wait.until(d -> points() >= 2);
    int first = points();
    wait.until(d -> points() > first);
    awaitText("#log", "step ");
    assertThat(find("#hp").getText()).contains("n_epochs");
    new WebDriverWait(browser, Duration.ofMinutes(10))
        .until(d -> d.findElement(By.id("job-status")).getText().contains("SUCCEEDED"));
    assertThat(points()).isGreaterThan(first);
    awaitText("#checkpoints", "checkpoint-");
    shot("03-job-trained");

    // a second job, cancelled from its page while it trains
    click("#nav-jobs");
    String canceled = createJob("{\"n_epochs\":5000,\"batch_size\":4}");
    click("tr[data-job-id='" + canceled + "']");
    wait.until(d -> points() >= 1);
    click("#cancel");
    awaitText("#job-status", "CANCELED");
    click("#nav-jobs");
    awaitText("tr[data-job-id='" + canceled + "'] .status-cell", "CANCELED");
    awaitText("tr[data-job-id='" + trained + "'] .status-cell", "SUCCEEDED");
    shot("04-jobs");

    // deploy the trained model from its job page and ask it a training question, streamed
    click("tr[data-job-id='" + trained + "']");
    wait.until(d -> d.findElement(By.id("deploy")).isEnabled());
    click("#deploy");
    find("#deployments");
    awaitText("#deployments", "RUNNING");
    wait.until(d -> !new Select(d.findElement(By.id("chat-model"))).getOptions().isEmpty());
    find("#chat-input").sendKeys("What is tuneup?");
    click("#chat-send");
    wait.until(d -> "true".equals(d.findElement(By.id("chat-answer")).getAttribute("data-done")));
    assertThat(find("#chat-answer").getText()).contains("A self-hosted fine-tuning service.");
    assertThat(find("#chat-usage").getText()).matches("[1-9][0-9]* tokens in [1-9][0-9]* events");
    shot("05-deployments-chat");
  }

  /** Creates a job of the built-in model on the uploaded file from the jobs page's form. */
  static String createJob(String hyperParameters) {
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
    awaitText("#job-created", "Created ft-");
    String id = find("#job-created").getText().replace("Created ", "").trim();
    find("tr[data-job-id='" + id + "']");
    return id;
  }

  static int points() {
    String v = browser.findElement(By.id("chart")).getAttribute("data-points");
    return v == null ? 0 : Integer.parseInt(v);
  }

  @Test
  void the_console_is_served_with_a_policy_that_allows_only_its_own_origin() throws Exception {
    HttpResponse<String> page =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(server.url() + "/console/")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Security-Policy").orElse(""))
        .contains("default-src 'self'")
        .contains("script-src 'self'");
    assertThat(page.body()).contains("/webjars/uplot/").doesNotContain("https://");
    HttpResponse<String> lib =
        HttpClient.newHttpClient()
            .send(
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
    Api.Resp r =
        api.post(
            "/api/v1/fine-tunes",
            Samples.sdkCreate(
                TestServer.MODEL,
                file,
                "{\"n_epochs\":5,\"batch_size\":4,\"split\":1,\"logging_steps\":1}"));
    String id = r.output().get("job_id").asText();
    TestServer.awaitJob(
        api, id, Duration.ofMinutes(3), j -> j.path("status").asText().equals("SUCCEEDED"));
    var points = api.get("/api/v1/fine-tunes/" + id + "/metrics").output().get("points");
    assertThat(points).hasSize(5);
    assertThat(points.get(0).get("step").asInt()).isEqualTo(1);
    assertThat(points.get(4).get("loss").asDouble())
        .isLessThan(points.get(0).get("loss").asDouble());
    assertThat(api.get("/api/v1/fine-tunes/ft-nope/metrics").status()).isEqualTo(404);
  }
}
