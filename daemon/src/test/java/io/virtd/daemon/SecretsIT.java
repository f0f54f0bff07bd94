package io.virtd.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.cli.CliRunner;
import io.virtd.cli.Virsh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets ({@code vnc_password}, and {@code user_data}, which holds passwords) never appear in what
 * virtd prints or keeps: plan text and JSON, apply's steps and summary, status, the daemon's log,
 * nor the ownership mark or anything else {@code virsh dumpxml} shows without {@code
 * --security-info} (with it, the VNC password is libvirt's business). Each run uses fresh secret
 * strings, and every captured output is searched for each of them, the previous values included.
 */
class SecretsIT {
  @TempDir Path dir;
  @RegisterExtension final RealGuests guests = new RealGuests("sec", () -> this.daemon);
  final String id = UUID.randomUUID().toString().substring(0, 8);
  final String prefix = guests.prefix;
  final String name = prefix + "s";
  final List<String> secrets = new ArrayList<>();
  final Map<String, String> captured = new LinkedHashMap<>();
  DaemonProcess daemon;

  private String manifest(int version) {
    // QEMU's VNC authentication takes 8 characters at most; version 0 is longer, to see the refusal
    String vnc = version == 0 ? "S3cr3t-vnc-" + id + "-toolong" : randomVncPassword();
    String pw = "S3cr3t-ud-" + id + "-v" + version;
    secrets.add(vnc);
    secrets.add(pw);
    return """
        virt: %s
        virt_type: %s
        ensure: installed
        memory: 64
        graphics: enable
        vnc_password: %s
        user_data:
          password: %s
          chpasswd: {expire: false}
        """
        .formatted(name, Virsh.domainType(), vnc, pw);
  }

  /** 8 random letters and digits: unique enough to search every output for. */
  private static String randomVncPassword() {
    String abc = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    var r = new java.security.SecureRandom();
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      b.append(abc.charAt(r.nextInt(abc.length())));
    }
    return b.toString();
  }

  private void capture(String what, CliRunner.Result r) {
    captured.put(what + " (exit " + r.exit() + ") stdout", r.out());
    captured.put(what + " stderr", r.err());
  }

  @Test
  void noSecretIsPrintedLoggedOrMarked() throws Exception {
    daemon =
        new DaemonProcess(
            dir, "owner: it-secrets\nschedule: 1h\nstorage_dir: " + dir.resolve("images") + "\n");
    Files.createDirectories(dir.resolve("images"));
    String cfg = daemon.config.toString();
    String m = daemon.manifests.toString();
    daemon.manifest("s.yaml", manifest(0));
    CliRunner.Result refused = CliRunner.run("apply", "--config", cfg, "-m", m);
    capture("apply of a too long VNC password", refused);
    assertEquals(1, refused.exit(), refused.out() + refused.err());
    assertTrue(
        (refused.out() + refused.err()).contains("`vnc_password` is at most 8 characters"),
        "the loader refuses it by name, before libvirt would: " + refused.out() + refused.err());
    daemon.manifest("s.yaml", manifest(1));

    capture("plan", CliRunner.run("plan", "--config", cfg, "-m", m));
    capture("plan --json", CliRunner.run("plan", "--json", "--config", cfg, "-m", m));
    CliRunner.Result apply = CliRunner.run("apply", "--json", "--config", cfg, "-m", m);
    capture("apply --json", apply);
    assertEquals(0, apply.exit(), apply.out() + apply.err());
    capture("validate", CliRunner.run("validate", "--config", cfg, "-m", m));

    daemon.manifest("s.yaml", manifest(2));
    CliRunner.Result plan2 = CliRunner.run("plan", "--config", cfg, "-m", m);
    capture("plan after a secret changed", plan2);
    assertTrue(
        plan2.out().contains("(sensitive)"),
        "a changed secret is shown as (sensitive): " + plan2.out());
    capture(
        "plan --json after a secret changed",
        CliRunner.run("plan", "--json", "--config", cfg, "-m", m));
    capture("apply after a secret changed", CliRunner.run("apply", "--config", cfg, "-m", m));

    daemon.start();
    daemon.manifest("s.yaml", manifest(3));
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> CliRunner.run("plan", "--config", cfg, "-m", m).exit() == 0);
    capture("status", CliRunner.run("status", "--socket", daemon.socket.toString()));
    capture(
        "status --json", CliRunner.run("status", "--json", "--socket", daemon.socket.toString()));
    // an error that names the guest: a manifest the daemon cannot read, beside the good one
    // group-writable from the start (written aside, then renamed), so never read as a good one
    Path loose =
        daemon.manifest("loose.yaml", manifest(4).replace(name, prefix + "loose"), "rw-rw-r--");
    daemon.awaitLog(
        loose + ":1:1: writable by group or others; run chmod go-w on it (refused",
        Duration.ofSeconds(30));
    capture(
        "status --json with a refused manifest",
        CliRunner.run("status", "--json", "--socket", daemon.socket.toString()));
    daemon.signal("TERM");
    daemon.waitFor(Duration.ofSeconds(30));
    captured.put("daemon log", daemon.logText());

    captured.put("virsh dumpxml", Virsh.run("dumpxml", name));
    captured.put("virsh dumpxml --inactive", Virsh.run("dumpxml", "--inactive", name));
    captured.put(
        "virsh metadata (the mark)", Virsh.run("metadata", name, "https://virtd.io/xmlns/mark/1"));
    assertTrue(
        captured.get("virsh metadata (the mark)").contains("it-secrets"), "the guest is ours");
    assertTrue(
        Virsh.run("dumpxml", "--security-info", name).contains(secrets.get(6)),
        "the daemon applied the third VNC password (libvirt shows it with --security-info only)");

    for (var e : captured.entrySet()) {
      for (String s : secrets) {
        assertFalse(
            e.getValue().contains(s),
            () -> e.getKey() + " holds the secret " + s + ":\n" + e.getValue());
        if (s.length() > 8) {
          assertFalse(
              e.getValue().contains(s.substring(0, s.length() - 3)),
              () -> e.getKey() + " holds part of a secret:\n" + e.getValue());
        }
      }
    }
    assertTrue(captured.get("daemon log").contains(name), "the log does talk about the guest");
  }
}
