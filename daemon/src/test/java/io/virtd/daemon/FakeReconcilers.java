package io.virtd.daemon;

import io.virtd.core.apply.Executor;
import io.virtd.core.apply.GuestLocks;
import io.virtd.core.config.Config;
import io.virtd.core.spi.Drivers;
import io.virtd.core.testing.FakeDriver;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** A reconciler of owner {@code h} over {@code fake}, restarts always allowed, no prune. */
final class FakeReconcilers {
  private FakeReconcilers() {}

  static Reconciler over(DesiredStore store, FakeDriver fake, Path lockDir, Clock clock) {
    return new Reconciler(
        store,
        new Drivers(Config.defaults(), List.of(fake.factory())),
        new Executor("h", new GuestLocks(lockDir), Duration.ofSeconds(1)),
        "h",
        () -> true,
        clock);
  }
}
