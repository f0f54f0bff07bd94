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

  /** Exit code and output (stdout and stderr, interleaved). */
  public record Result(int exit, String out) {}

  /**
   * Runs {@code argv} for at most {@code limit}, its output going to a file rather than a pipe:
   * reading a pipe to its end before waiting waits for as long as the command hangs, past any
   * limit. A command still running at the limit is killed, and an {@link IllegalStateException}
   * says what it had printed.
   */
  public static Result run(List<String> argv, Duration limit)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("virtd-test-command", ".out");
    try {
      Process p =
          new ProcessBuilder(argv)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.to(out.toFile()))
              .start();
      if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new IllegalStateException(
            "timed out after " + limit + ": " + argv + "; its output so far:\n" + read(out));
      }
      return new Result(p.exitValue(), read(out));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  private static String read(Path f) throws IOException {
    return new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
  }
}
