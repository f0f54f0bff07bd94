package io.virtd.core.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs an external command for tests, with a time limit that holds when the command hangs. */
public final class Commands {
  private Commands() {}

  /**
   * Exit code and output: {@code out} is stdout (with stderr interleaved when the two are merged),
   * {@code err} is stderr when it is captured on its own, else empty.
   */
  public record Result(int exit, String out, String err) {}

  /**
   * Runs {@code argv} for at most {@code limit}, its stdout and stderr merged into {@link
   * Result#out}. See {@link #run(ProcessBuilder, Duration)}.
   */
  public static Result run(List<String> argv, Duration limit)
      throws IOException, InterruptedException {
    return run(new ProcessBuilder(argv).redirectErrorStream(true), limit);
  }

  /**
   * Runs {@code command} as it is set up (its environment, working directory, and its stderr:
   * merged with stdout by {@code redirectErrorStream(true)}, inherited, discarded, or left a pipe
   * to be captured in {@link Result#err}) for at most {@code limit}. Its stdout is always captured
   * (the builder's output redirect is replaced), and its stdin, unless redirected, is closed at
   * once: a command that reads it gets end-of-file rather than waiting for input.
   *
   * <p>The output goes to files rather than pipes: reading a pipe to its end before waiting waits
   * for as long as the command (or a child that inherited the pipe) hangs, past any limit. A
   * command still running at the limit is killed with its descendants, and an {@link
   * IllegalStateException} says what it had printed.
   */
  public static Result run(ProcessBuilder command, Duration limit)
      throws IOException, InterruptedException {
    List<String> argv = List.copyOf(command.command());
    boolean separateErr =
        !command.redirectErrorStream()
            && command.redirectError().type() == ProcessBuilder.Redirect.Type.PIPE;
    Path out = Files.createTempFile("virtd-test-command", ".out");
    Path err = separateErr ? Files.createTempFile("virtd-test-command", ".err") : null;
    try {
      command.redirectOutput(ProcessBuilder.Redirect.to(out.toFile()));
      if (separateErr) {
        command.redirectError(ProcessBuilder.Redirect.to(err.toFile()));
      }
      Process p = command.start();
      if (command.redirectInput().type() == ProcessBuilder.Redirect.Type.PIPE) {
        p.getOutputStream().close();
      }
      if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        List<ProcessHandle> descendants = p.descendants().toList();
        p.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
        p.waitFor(10, TimeUnit.SECONDS);
        throw new IllegalStateException(
            "timed out after "
                + limit
                + ": "
                + argv
                + "; its output so far:\n"
                + read(out)
                + (separateErr ? "\nits stderr so far:\n" + read(err) : ""));
      }
      return new Result(p.exitValue(), read(out), separateErr ? read(err) : "");
    } finally {
      Files.deleteIfExists(out);
      if (err != null) {
        Files.deleteIfExists(err);
      }
    }
  }

  private static String read(Path f) throws IOException {
    return new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
  }
}
