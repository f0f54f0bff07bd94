package io.virtd.cli;

import io.virtd.core.apply.Executor;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C (or SIGTERM) during {@code apply}, the way Terraform takes it: the first closes the gate,
 * so the steps under way finish and no new step begins; the second quits at once (exit 130), which
 * may cut a step off in the middle.
 */
final class Interrupts implements Executor.Gate, AutoCloseable {
  private static final String[] SIGNALS = {"INT", "TERM"};

  private final AtomicInteger received = new AtomicInteger();
  private final PrintWriter err;
  private final Map<String, SignalHandler> previous = new HashMap<>();

  private Interrupts(PrintWriter err) {
    this.err = err;
  }

  /** Takes over SIGINT and SIGTERM until closed. */
  static Interrupts install(PrintWriter err) {
    Interrupts i = new Interrupts(err);
    for (String name : SIGNALS) {
      i.previous.put(name, Signal.handle(new Signal(name), s -> i.received(s.getName())));
    }
    return i;
  }

  void received(String signal) {
    if (received.incrementAndGet() == 1) {
      synchronized (err) {
        err.println(
            "virtctl: SIG"
                + signal
                + ": the steps under way finish, no new step begins"
                + " (again to quit at once, which may cut a step off)");
        err.flush();
      }
    } else {
      Runtime.getRuntime().halt(130);
    }
  }

  boolean interrupted() {
    return received.get() > 0;
  }

  @Override
  public boolean mayBegin(String step) {
    return !interrupted();
  }

  @Override
  public void close() {
    previous.forEach((name, h) -> Signal.handle(new Signal(name), h));
  }
}
