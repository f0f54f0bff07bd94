package io.virtd.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Connect;

/**
 * The rules recovery keeps (on libvirt's test hypervisor, with seed images as the real files): it
 * acts only on records of this owner and URI whose process is gone, deletes only what they list and
 * no guest uses, and never lists a file that was there before the step.
 */
class IntentsTest {
  static final String URI = "test:///default";

  @TempDir Path storage;
  Path dir;
  Connect conn;

  @BeforeEach
  void setUp() throws Exception {
    dir = storage.resolve(Intents.DIRECTORY);
    conn = new Connect(URI);
  }

  @AfterEach
  void tearDown() throws Exception {
    conn.close();
  }

  private Path seed(String guest) throws Exception {
    return Files.writeString(CloudInitSeed.isoPath(storage, guest), "iso");
  }

  /** A record as a process that has ended would have left it. */
  private Path leftBehind(String owner, String guest, Path seed) throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    var r =
        new Intents.Record(
            owner,
            URI,
            guest,
            Intents.CREATE,
            p.pid(),
            "gone",
            List.of(),
            List.of(seed.toString()));
    Files.createDirectories(dir);
    Path f = dir.resolve(owner + "~" + guest + "~" + p.pid() + ".json");
    new ObjectMapper().writeValue(f.toFile(), r);
    return f;
  }

  @Test
  void aDeadProcessesRecordIsRolledBackAndGoesWithItsDirectory() throws Exception {
    Path iso = seed("g");
    leftBehind("me", "g", iso);

    new Intents(dir, "me", URI).recover(conn, Optional.empty());

    assertFalse(Files.exists(iso), "the seed the killed create wrote");
    assertFalse(Files.exists(dir), "no record left");
  }

  @Test
  void anotherOwnersOrAnotherGuestsRecordIsLeftAlone() throws Exception {
    Path theirs = seed("g");
    Path other = seed("h");
    Path f = leftBehind("someone-else", "g", theirs);
    Path g = leftBehind("me", "h", other);

    new Intents(dir, "me", URI).recover(conn, Optional.of("g"));

    assertTrue(Files.exists(theirs) && Files.exists(f));
    assertTrue(Files.exists(other) && Files.exists(g), "only the guest being created");
  }

  @Test
  void aLiveProcessesStepIsNotRecoveredAndItsRecordGoesWhenDone() throws Exception {
    Intents intents = new Intents(dir, "me", URI);
    Intents.Step step = intents.begin("g", Intents.CREATE, List.of(), List.of());
    Path iso = CloudInitSeed.isoPath(storage, "g");
    step.seed(iso);
    Files.writeString(iso, "iso");

    intents.recover(conn, Optional.empty());
    assertTrue(Files.exists(iso), "a step under way in this process");
    assertEquals(1, records());

    step.done();
    assertFalse(Files.exists(dir));
    assertTrue(Files.exists(iso), "done deletes the record, never what it lists");
  }

  @Test
  void aVolumeOrSeedWhosePathIsTakenAlreadyIsNeverListed() throws Exception {
    Path taken = Files.writeString(storage.resolve("g.qcow2"), "someone's disk");
    Path seed = seed("g");
    Intents.Step step =
        new Intents(dir, "me", URI).begin("g", Intents.CREATE, List.of(), List.of());

    step.volume(new Marks.Volume("pool", "g.qcow2", taken.toString()));
    step.seed(seed);

    assertFalse(Files.exists(dir), "nothing to record: neither file is this step's");
  }

  @Test
  void aSeedAGuestUsesStaysAndTheRecordStaysWhenThatGuestIsNotTheStepsOwn() throws Exception {
    Path iso = seed("g");
    Path f = leftBehind("me", "g", iso);
    conn.domainDefineXML(
            "<domain type='test'><name>intents-user</name><memory>8192</memory><os><type>hvm</type>"
                + "</os><devices><disk type='file' device='cdrom'><source file='"
                + iso
                + "'/><target dev='hdc'/></disk></devices></domain>")
        .free();
    try {
      new Intents(dir, "me", URI).recover(conn, Optional.empty());

      assertTrue(Files.exists(iso), "another guest's disk");
      assertTrue(Files.exists(f), "kept for a later look");
    } finally {
      conn.domainLookupByName("intents-user").undefine();
    }
  }

  private long records() throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".json")).count();
    }
  }

  /**
   * Steps of one run on different guests begin and end at once, as a parallel apply's removals do:
   * one step's end removes the emptied directory while another's begin is making it. Each begin
   * must still write its record (a lost race once refused a removal with "cannot write its intent
   * record").
   */
  @Test
  void stepsBegunAndEndedInParallelAllWriteTheirRecords() throws Exception {
    Intents intents = new Intents(dir, "me", URI);
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      List<java.util.concurrent.Future<?>> runs = new java.util.ArrayList<>();
      for (int t = 0; t < 8; t++) {
        String guest = "g" + t;
        runs.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 500; i++) {
                    Marks.Volume v =
                        new Marks.Volume("pool", guest + ".qcow2", "/nowhere/" + guest + ".qcow2");
                    intents.begin(guest, "remove", List.of(v), List.of()).done();
                  }
                  return null;
                }));
      }
      for (var r : runs) {
        r.get(); // rethrows a step's DriverException
      }
    } finally {
      pool.shutdownNow();
    }
    assertFalse(Files.exists(dir) && records() > 0, "every step's record is gone");
  }
}
