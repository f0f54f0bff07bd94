package io.virtd.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.spi.DriverException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ConnectionPoolTest {
  /** A stand-in connection: a number, and whether it was closed. */
  static final class Conn {
    final int id;
    volatile boolean closed;

    Conn(int id) {
      this.id = id;
    }
  }

  private final AtomicInteger opened = new AtomicInteger();
  private final List<Conn> closed = new ArrayList<>();
  private final ConnectionPool<Conn> pool =
      new ConnectionPool<>(
          () -> new Conn(opened.incrementAndGet()),
          c -> {
            c.closed = true;
            synchronized (closed) {
              closed.add(c);
            }
          });

  @Test
  void aConnectionGivenBackIsLeasedAgainInsteadOfOpeningAnother() throws Exception {
    Conn first;
    try (var l = pool.lease()) {
      first = l.connection();
    }
    for (int i = 0; i < 5; i++) {
      try (var l = pool.lease()) {
        assertSame(first, l.connection());
      }
    }
    assertEquals(1, opened.get());
    assertEquals(1, pool.size());
  }

  @Test
  void operationsInProgressAtOnceEachHoldTheirOwnConnection() throws Exception {
    int threads = 8;
    CyclicBarrier allHolding = new CyclicBarrier(threads);
    Set<Conn> held = ConcurrentHashMap.newKeySet();
    ExecutorService ex = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        done.add(
            ex.submit(
                () -> {
                  try (var l = pool.lease()) {
                    held.add(l.connection());
                    allHolding.await(10, TimeUnit.SECONDS); // every lease is held at this point
                  }
                  return null;
                }));
      }
      for (var f : done) {
        f.get(20, TimeUnit.SECONDS);
      }
    } finally {
      ex.shutdownNow();
    }
    assertEquals(threads, held.size(), "no two operations shared a connection");
    assertEquals(threads, opened.get());
    assertEquals(threads, pool.size(), "all kept for the next parallel apply");
    assertTrue(closed.isEmpty());
  }

  @Test
  void afterAResetIdleConnectionsCloseAtOnceAndLeasedOnesWhenGivenBack() throws Exception {
    var idle = pool.lease();
    var busy = pool.lease();
    Conn idleConn = idle.connection();
    Conn busyConn = busy.connection();
    idle.close();

    pool.reset();
    assertTrue(idleConn.closed, "idle connection closed by the reset");
    assertTrue(!busyConn.closed, "a connection in use is not closed under its operation");
    busy.close();
    assertTrue(busyConn.closed, "closed when given back: it belongs to a lost daemon");

    try (var l = pool.lease()) {
      assertNotSame(idleConn, l.connection());
      assertNotSame(busyConn, l.connection());
    }
    assertEquals(3, opened.get());
    assertEquals(1, pool.size());
  }

  @Test
  void slowOpensRunSideBySideNotOneAfterTheOther() throws Exception {
    CyclicBarrier bothOpening = new CyclicBarrier(2);
    ConnectionPool<Conn> slow =
        new ConnectionPool<>(
            () -> {
              try { // returns only once the other open has started too
                bothOpening.await(10, TimeUnit.SECONDS);
              } catch (Exception e) {
                throw new DriverException(
                    DriverException.Kind.TRANSIENT, "opens were serialised", e);
              }
              return new Conn(opened.incrementAndGet());
            },
            c -> {});
    ExecutorService ex = Executors.newFixedThreadPool(2);
    try {
      Future<Conn> a = ex.submit(() -> slow.lease().connection());
      Future<Conn> b = ex.submit(() -> slow.lease().connection());
      assertNotSame(a.get(20, TimeUnit.SECONDS), b.get(20, TimeUnit.SECONDS));
    } finally {
      ex.shutdownNow();
    }
    assertEquals(2, slow.size());
  }

  @Test
  void aFailedOpenReachesTheCallerAndLeavesNothingCounted() {
    ConnectionPool<Conn> failing =
        new ConnectionPool<>(
            () -> {
              throw new DriverException(
                  DriverException.Kind.UNAVAILABLE, "libvirt: cannot connect");
            },
            c -> {});
    DriverException e = assertThrows(DriverException.class, failing::lease);
    assertEquals("libvirt: cannot connect", e.getMessage());
    assertEquals(0, failing.size());
  }

  @Test
  void anUnpooledLeaseIsNeverClosedByGivingItBack() {
    Conn one = new Conn(0);
    try (var l = ConnectionPool.Lease.unpooled(one)) {
      assertSame(one, l.connection());
    }
    assertTrue(!one.closed);
  }
}
