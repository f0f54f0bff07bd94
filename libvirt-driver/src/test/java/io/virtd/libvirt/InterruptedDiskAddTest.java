package io.virtd.libvirt;

import static io.virtd.core.testing.DriverContract.spec;
import static io.virtd.core.testing.DriverContract.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtd.core.manifest.DiskSpec;
import io.virtd.core.manifest.Ensure;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.spi.VmDriver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;

/**
 * An update that adds disks to an existing guest, cut off between making their volumes and writing
 * the definition, or just after: the next run (a driver opened again, as the next {@code virtctl
 * apply} does) deletes the volumes no guest took up, keeps those the definition took, never touches
 * a file the update did not make, and a retry converges. On libvirt's test hypervisor (its state
 * lives in this process, so the cut-off run is a thread stopped for good at the point, and its
 * process is made to look gone in its record); {@code KilledApplyIT} kills a real {@code virtctl}.
 */
class InterruptedDiskAddTest {
  static final String URI = "test:///default";

  private final String prefix = "kd-" + UUID.randomUUID().toString().substring(0, 8) + "-";
  @TempDir Path storage;
  @TempDir Path locks;
  @TempDir Path files;
  private VmDriver killed;
  private VmDriver next;
  private final CountDownLatch released = new CountDownLatch(1);
  private Thread cutOff;

  @BeforeEach
  void open() throws Exception {
    killed = LibvirtDriver.open(URI, StorageFlows.withStorageDir(storage), true);
  }

  @AfterEach
  void close() throws Exception {
    try {
      released.countDown();
      if (cutOff != null) {
        cutOff.join(10_000);
      }
      TestHalt.inProcess = point -> {};
      killed.close();
      if (next != null) {
        next.close();
      }
    } finally {
      DomainCleaner.removeAll(URI, prefix);
      StorageFlows.removePoolsUnder(URI, storage);
    }
  }

  /** Thrown out of the stopped thread once the test is over, so it ends without going on. */
  private static final class Killed extends Error {}

  /**
   * Applies {@code spec} with the first driver on a thread that stops for good at {@code point}, as
   * a process killed there; returns once it stopped there.
   */
  private void applyKilledAt(String point, VmSpec spec) throws Exception {
    CountDownLatch reached = new CountDownLatch(1);
    TestHalt.inProcess =
        p -> {
          if (p.equals(point)) {
            reached.countDown();
            try {
              released.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            throw new Killed();
          }
        };
    Path lockDir = Files.createDirectories(locks.resolve("killed"));
    cutOff =
        new Thread(
            () -> {
              try {
                StorageFlows.apply(killed, spec, lockDir);
              } catch (Throwable expected) {
                // Killed, once the test is over
              }
            });
    cutOff.start();
    assertTrue(reached.await(30, TimeUnit.SECONDS), "the update reached " + point);
    TestHalt.inProcess = p -> {};
    writerGone();
  }

  /** Every intent record now names a process that has ended, as a killed run's does. */
  private void writerGone() throws Exception {
    Path dir = storage.resolve(Intents.DIRECTORY);
    if (!Files.isDirectory(dir)) {
      return;
    }
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    ObjectMapper json = new ObjectMapper();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path f : s.filter(f -> f.toString().endsWith(".json")).toList()) {
        Intents.Record r = json.readValue(f.toFile(), Intents.Record.class);
        json.writeValue(
            f.toFile(),
            new Intents.Record(
                r.owner(),
                r.uri(),
                r.guest(),
                r.action(),
                p.pid(),
                "gone",
                r.volumes(),
                r.seeds()));
      }
    }
  }

  /** The next run: a driver opened again, finishing what the killed one left. */
  private VmDriver nextRun() throws Exception {
    next = LibvirtDriver.open(URI, StorageFlows.withStorageDir(storage), true);
    next.finishInterrupted();
    return next;
  }

  private Path nextLocks() throws Exception {
    return Files.createDirectories(locks.resolve("next"));
  }

  private VmSpec guest(String name, DiskSpec... disks) {
    return spec(
        prefix + name, VirtType.KVM, Field.ENSURE, Ensure.STOPPED, Field.DISKS, List.of(disks));
  }

  private String volume(VmSpec spec, String target) {
    return storage.resolve(spec.name() + "-" + target + ".qcow2").toString();
  }

  private static boolean volumeExists(String path) throws LibvirtException {
    return StorageFlows.volumeExists(URI, path);
  }

  /** Guest {@code name} made with the first driver with disk vda; the spec adding vdb to it. */
  private VmSpec madeWithVdaAddingVdb(String name) throws Exception {
    VmSpec one = guest(name, DiskSpec.blank("vda", 1));
    StorageFlows.apply(killed, one, locks);
    return with(one, Field.DISKS, List.of(DiskSpec.blank("vda", 1), DiskSpec.blank("vdb", 1)));
  }

  /** The volumes the guest's mark lists, by path. */
  private static List<String> marked(String name) throws Exception {
    Connect c = new Connect(URI);
    try {
      var d = c.domainLookupByName(name);
      try {
        var doc = Dom.parse(d.getXMLDesc(LibvirtDriver.XML_INACTIVE));
        return Marks.find(doc).map(Marks::volumes).orElse(List.of()).stream()
            .map(Marks.Volume::path)
            .toList();
      } finally {
        d.free();
      }
    } finally {
      c.close();
    }
  }

  private static boolean noRecords(Path storage) {
    return !Files.exists(storage.resolve(Intents.DIRECTORY));
  }

  @Test
  void aDisksVolumeMadeButNeverDefinedGoesAndTheRetryConverges() throws Exception {
    VmSpec two = madeWithVdaAddingVdb("a");
    String vdb = volume(two, "vdb");

    applyKilledAt("update:after-volumes", two);
    assertTrue(volumeExists(vdb), "the cut-off update had made the volume");

    VmDriver again = nextRun();
    assertFalse(volumeExists(vdb), "made by virtd, in no definition: deleted");
    assertTrue(volumeExists(volume(two, "vda")), "the guest's own disk stays");
    assertTrue(noRecords(storage));

    StorageFlows.apply(again, two, nextLocks());
    StorageFlows.assertConverged(again, two);
    assertTrue(volumeExists(vdb));
    assertTrue(marked(two.name()).contains(vdb), "the retry's volume is the guest's");
  }

  @Test
  void aDiskDefinedBeforeTheCutIsKeptInTheGuestsMark() throws Exception {
    VmSpec two = madeWithVdaAddingVdb("b");
    String vdb = volume(two, "vdb");

    applyKilledAt("update:after-define", two);

    VmDriver again = nextRun();
    assertTrue(volumeExists(vdb), "the guest's definition holds it");
    assertTrue(marked(two.name()).contains(vdb), "and its mark lists it");
    assertTrue(noRecords(storage), "the update got past its define: nothing left to finish");
    StorageFlows.assertConverged(again, two);
  }

  @Test
  void onlyWhatTheCutOffUpdateMadeGoesNeverAFileItFoundThere() throws Exception {
    VmSpec both = guest("c", DiskSpec.blank("vda", 1), DiskSpec.blank("vdb", 1));
    StorageFlows.apply(killed, both, locks);
    VmSpec one = with(both, Field.DISKS, List.of(DiskSpec.blank("vda", 1)));
    StorageFlows.apply(killed, one, locks); // vdb detached, its volume kept
    String vdb = volume(both, "vdb");
    assertTrue(volumeExists(vdb));
    Path data = Files.writeString(files.resolve("data.img"), "someone's data");
    DiskSpec existing = DiskSpec.onPath("vdc", data.toString());
    VmSpec four =
        with(
            both,
            Field.DISKS,
            List.of(
                DiskSpec.blank("vda", 1),
                DiskSpec.blank("vdb", 1),
                existing,
                DiskSpec.blank("vdd", 1)));
    String vdd = volume(both, "vdd");

    applyKilledAt("update:after-volumes", four);
    assertTrue(volumeExists(vdd), "the cut-off update had made vdd's volume");

    VmDriver again = nextRun();
    assertFalse(volumeExists(vdd), "made by the cut-off update and in no definition");
    assertTrue(volumeExists(vdb), "the kept volume it was to use again stays");
    assertEquals("someone's data", Files.readString(data), "a `path` disk is never deleted");

    StorageFlows.apply(again, four, nextLocks());
    StorageFlows.assertConverged(again, four);
    assertTrue(marked(four.name()).containsAll(List.of(vdb, vdd)), marked(four.name()).toString());
  }

  @Test
  void aSeedFirstWrittenByACutOffUpdateGoesAndTheRetryWritesIt() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(CloudInitSeed.GENISOIMAGE), "no genisoimage");
    VmSpec plain = guest("d", DiskSpec.blank("vda", 1));
    StorageFlows.apply(killed, plain, locks);
    VmSpec seeded = with(plain, Field.META_DATA, Map.of("instance-id", "d-1"));

    applyKilledAt("update:after-seed", seeded);
    Path iso = seedFile(plain.name()).orElseThrow(() -> new AssertionError("no seed written"));

    VmDriver again = nextRun();
    assertFalse(Files.exists(iso), "written by the cut-off update and in no definition");

    StorageFlows.apply(again, seeded, nextLocks());
    StorageFlows.assertConverged(again, seeded);
    assertTrue(seedFile(plain.name()).isPresent(), "the retry's seed");
  }

  /** The guest's seed image, in a test-hypervisor driver's scratch seed directory. */
  private static Optional<Path> seedFile(String guest) throws Exception {
    try (Stream<Path> dirs = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return dirs.filter(d -> d.getFileName().toString().startsWith("virtd-test-seeds-"))
          .map(d -> CloudInitSeed.isoPath(d, guest))
          .filter(Files::exists)
          .findFirst();
    }
  }
}
