package io.virtd.daemon;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A {@link WorkQueue.Timer} whose time moves only when a test says so. */
final class FakeTimer implements WorkQueue.Timer {
  private record Task(long due, Runnable task) {}

  private final List<Task> tasks = new ArrayList<>();
  private long now;

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized void schedule(Runnable task, Duration delay) {
    tasks.add(new Task(now + delay.toNanos(), task));
  }

  @Override
  public synchronized void shutdown() {
    tasks.clear();
  }

  /** The delays from now of the tasks waiting, in the order they were scheduled. */
  synchronized List<Duration> waiting() {
    return tasks.stream().map(t -> Duration.ofNanos(t.due() - now)).toList();
  }

  /** Moves time on by {@code d} and runs the tasks that fall due. */
  void advance(Duration d) {
    List<Runnable> due = new ArrayList<>();
    synchronized (this) {
      now += d.toNanos();
      tasks.removeIf(
          t -> {
            if (t.due() - now <= 0) {
              due.add(t.task());
              return true;
            }
            return false;
          });
    }
    due.forEach(Runnable::run);
  }
}
