package io.virtd.cli;

/** Runs virtctl in-process for tests outside this package. */
public final class CliRunner {
  private CliRunner() {}

  /** Exit code and captured output. */
  public record Result(int exit, String out, String err) {}

  public static Result run(String... args) {
    Cli c = Cli.run(args);
    return new Result(c.exit(), c.out(), c.err());
  }
}
