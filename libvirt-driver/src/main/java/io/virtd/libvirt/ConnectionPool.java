package io.virtd.libvirt;

import io.virtd.core.spi.DriverException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;

/**
 * Connections for guest operations, one per operation in progress. libvirtd serves at most {@code
 * max_client_requests} (5 by default) calls of one connection at once and queues the rest, so
 * guests converged in parallel each need a connection of their own, as parallel {@code virsh}
 * processes have. An operation leases an idle connection (or a new one when all are busy) and gives
 * it back when done; so there are never more connections than operations ever ran at once.
 *
 * <p>{@link #reset} (after a connection was lost) closes the idle ones and makes every leased one
 * close when given back: a connection to a restarted daemon is dead.
 */
final class ConnectionPool<C> {
  /** Opens a connection. */
  @FunctionalInterface
  interface Opener<C> {
    C open() throws DriverException;
  }

  /** A connection one operation holds; closing it gives it back. */
  static final class Lease<C> implements AutoCloseable {
    private final ConnectionPool<C> pool;
    private final C connection;
    private final long generation;

    private Lease(ConnectionPool<C> pool, C connection, long generation) {
      this.pool = pool;
      this.connection = connection;
      this.generation = generation;
    }

    /** A lease of a connection no pool owns: giving it back does nothing. */
    static <C> Lease<C> unpooled(C connection) {
      return new Lease<>(null, connection, 0);
    }

    C connection() {
      return connection;
    }

    @Override
    public void close() {
      if (pool != null) {
        pool.giveBack(this);
      }
    }
  }

  private final Opener<C> opener;
  private final Consumer<C> closer;
  private final Deque<C> idle = new ArrayDeque<>(); // guarded by this
  private long generation; // guarded by this
  private int open; // guarded by this

  ConnectionPool(Opener<C> opener, Consumer<C> closer) {
    this.opener = opener;
    this.closer = closer;
  }

  /**
   * The most recently given back idle connection, else a new one, opened outside the pool's lock so
   * that slow opens (a remote URI over ssh) run side by side.
   */
  Lease<C> lease() throws DriverException {
    long gen;
    synchronized (this) {
      C c = idle.pollFirst();
      if (c != null) {
        return new Lease<>(this, c, generation);
      }
      gen = generation;
      open++;
    }
    try {
      return new Lease<>(this, opener.open(), gen); // a reset meanwhile: closed when given back
    } catch (DriverException | RuntimeException e) {
      synchronized (this) {
        open--;
      }
      throw e;
    }
  }

  private synchronized void giveBack(Lease<C> lease) {
    if (lease.generation == generation) {
      idle.addFirst(lease.connection);
    } else {
      closeOne(lease.connection);
    }
  }

  /** Closes the idle connections now and the leased ones when they are given back. */
  synchronized void reset() {
    generation++;
    for (C c; (c = idle.pollFirst()) != null; ) {
      closeOne(c);
    }
  }

  /** Connections open now, leased or idle. */
  synchronized int size() {
    return open;
  }

  private void closeOne(C c) {
    open--;
    closer.accept(c);
  }
}
