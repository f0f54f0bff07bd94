package io.virtd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.virtd.cli.CliRunner;
import io.virtd.cli.Virsh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The status page in a real headless Chromium, against a daemon on the real qemu:///system: the
 * table lists the guests, a drift made with virsh shows without reloading the page, and the action
 * buttons exist only once the token is given, and work.
 */
class StatusPageIT {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final String TOKEN = "it-token-" + UUID.randomUUID();

  @TempDir Path dir;
  // -Dvirtd.it.prefix: where several test runs share one libvirtd, each keeps to its own names
  final String prefix =
      System.getProperty("virtd.it.prefix", "virtd-it-")
          + "sp-"
          + UUID.randomUUID().toString().substring(0, 6)
          + "-";
  DaemonProcess daemon;
  WebDriver browser;

  @AfterEach
  void cleanUp() {
    if (browser != null) {
      browser.quit();
    }
    if (daemon != null) {
      daemon.close();
    }
    if (Virsh.available()) {
      Virsh.removeAll(prefix);
    }
  }

  static WebDriver chromium() {
    ChromeOptions o = new ChromeOptions();
    o.setBinary(CHROMIUM.toFile());
    o.addArguments(
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1440,1000");
    var service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile());
    return new ChromeDriver(service.build(), o);
  }

  WebElement row(String name) {
    return browser.findElement(By.cssSelector("#guests tbody tr[data-name='" + name + "']"));
  }

  /** A cell's text; the table is redrawn every 2 s, so a row replaced meanwhile is found again. */
  String cell(String name, String column) {
    for (int attempt = 1; ; attempt++) {
      try {
        return row(name).findElement(By.cssSelector("td." + column)).getText();
      } catch (org.openqa.selenium.StaleElementReferenceException e) {
        if (attempt == 5) {
          throw e;
        }
      }
    }
  }

  void await(String what, java.util.function.Supplier<Boolean> condition) {
    new WebDriverWait(browser, Duration.ofSeconds(60))
        .withMessage(what)
        .ignoring(org.openqa.selenium.NoSuchElementException.class)
        .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
        .until(d -> condition.get());
  }

  /** Clicks a row's button; the table is redrawn every 2 s, so a stale button is found again. */
  void click(String name, String action) {
    await(
        action + " clicked",
        () -> {
          row(name).findElement(By.cssSelector("button[data-action=" + action + "]")).click();
          return true;
        });
  }

  @Test
  void theTableFollowsTheGuestsAndTheButtonsNeedTheToken() throws Exception {
    assumeTrue(Virsh.available(), "qemu:///system is not reachable");
    assumeTrue(
        Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "chromium and chromium-driver are not installed");
    int port = HttpIT.freePort();
    Path token = dir.resolve("http-token");
    Files.writeString(token, TOKEN + "\n");
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
    daemon =
        new DaemonProcess(
            dir,
            "owner: it-page\nschedule: 1h\nhttp:\n  listen: 127.0.0.1:%d\n  token_file: %s\n"
                .formatted(port, token));
    String web = prefix + "web";
    String db = prefix + "db";
    String bad = prefix + "bad";
    String type = Virsh.domainType();
    daemon.manifest("web.yaml", "virt: %s\nvirt_type: %s\nmemory: 64\n".formatted(web, type));
    daemon.manifest(
        "db.yaml", "virt: %s\nvirt_type: %s\nmemory: 64\nensure: stopped\n".formatted(db, type));
    daemon.manifest(
        "bad.yaml", "virt: %s\nvirt_type: %s\nmemory: 64\ncpus: 300\n".formatted(bad, type));
    daemon.start();

    browser = chromium();
    browser.get("http://127.0.0.1:" + port + "/");
    await(
        "all three guests listed",
        () -> browser.findElements(By.cssSelector("#guests tbody tr")).size() == 3);
    await("web in sync", () -> row(web).getAttribute("class").equals("in_sync"));
    await("db in sync", () -> row(db).getAttribute("class").equals("in_sync"));
    await("bad failed", () -> row(bad).getAttribute("class").equals("failed"));
    assertTrue(cell(bad, "detail").contains("Maximum CPUs"), cell(bad, "detail"));
    assertEquals(
        0,
        browser.findElements(By.cssSelector("button[data-action]")).size(),
        "no action buttons without the token");

    // a drift made with virsh shows without a reload (held, so virtd leaves it as it is)
    ((JavascriptExecutor) browser).executeScript("window.notReloaded = true;");
    assertEquals(0, CliRunner.run("hold", "--socket", daemon.socket.toString(), web).exit());
    Virsh.run("destroy", web);
    await("the drift shows", () -> cell(web, "observed").equals("differs"));
    await(
        "what differs shows",
        () -> cell(web, "differs").equals("ensure: wanted running, found shutoff"));
    assertEquals("libvirt qemu:///system", cell(web, "hypervisor"));
    assertEquals("", cell(db, "differs"), "a guest in sync differs in nothing");
    assertEquals("held", row(web).getAttribute("class"));
    assertEquals(
        Boolean.TRUE,
        ((JavascriptExecutor) browser).executeScript("return window.notReloaded === true;"),
        "the page was not reloaded");

    // with the token, the buttons appear and act
    browser.findElement(By.id("token")).sendKeys(TOKEN);
    browser.findElement(By.cssSelector("#tokenform button[type=submit]")).click();
    await("buttons appear", () -> row(web).findElements(By.cssSelector("button")).size() == 3);
    click(web, "release");
    await("released and healed", () -> row(web).getAttribute("class").equals("in_sync"));
    assertEquals("running", Virsh.run("domstate", web));

    String at = cell(db, "at");
    Thread.sleep(1100); // the time shown is in whole seconds
    click(db, "reconcile");
    await(
        "the reconcile is queued",
        () -> browser.findElement(By.id("message")).getText().equals("queued 1 resource(s)"));
    await("db reconciled again", () -> !cell(db, "at").equals(at));
    assertNotEquals(at, cell(db, "at"));

    // a manifest problem shows too, without a reload
    Path broken =
        daemon.manifest(
            "broken.yaml", "virt: %s\nvirt_type: kvm\nmemory: [64\n".formatted(prefix + "x"));
    await(
        "the problem shows",
        () ->
            browser.findElements(By.cssSelector("#problems li")).stream()
                .anyMatch(li -> li.getText().startsWith(broken + ":")));
    assertEquals(
        Boolean.TRUE,
        ((JavascriptExecutor) browser).executeScript("return window.notReloaded === true;"));

    Path shot = Path.of("target/status-page.png");
    Files.copy(
        ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(),
        shot,
        StandardCopyOption.REPLACE_EXISTING);

    browser.findElement(By.id("forget")).click();
    assertEquals(0, browser.findElements(By.cssSelector("button[data-action]")).size());
  }
}
