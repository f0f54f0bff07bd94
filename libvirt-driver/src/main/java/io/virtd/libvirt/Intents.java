package io.virtd.libvirt;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.DriverException.Kind;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a create, an update or a remove is about to make or delete, written down before it acts, so
 * that a run killed half-way (SIGKILL, a power cut) leaves a record the next run finishes from: a
 * create that made a volume but never defined its guest, an update that made an added disk's volume
 * (or a new seed) but never wrote the definition naming it, a remove that undefined its guest but
 * never deleted its volumes.
 *
 * <p>One JSON file per step in {@code STORAGE_DIR/.virtd-intent/} (mode 0700), written atomically
 * (temporary file, fsync, rename, fsync of the directory) and deleted when the step is done; the
 * directory goes when it is empty. A record names its owner, the hypervisor URI, the guest, the
 * action, the process that wrote it (pid and start time) and exactly the volumes (pool, name, path)
 * and seed images the step makes or deletes. A volume is recorded just before it is made, and only
 * when no file is at its path yet, and so is a seed: a file that was there already is never listed.
 *
 * <p>Recovery ({@link #recover}) looks only at records of this owner and URI whose process is gone.
 * Whatever the action, it deletes the listed volumes and seeds no defined guest uses (a volume only
 * while its pool and name still have the recorded path) and drops the record: a create that got as
 * far as defining its guest, or a remove that never undefined it, has every item in use, so nothing
 * goes; one cut off before that point has none in use, so everything it listed goes. An update is a
 * create of its added disks on a guest that exists: before its define no guest uses what it made,
 * after it the guest does. A listed item another guest uses stays, and so does the record, to be
 * looked at again.
 */
final class Intents {
  private static final Logger log = LoggerFactory.getLogger(Intents.class);

  /** Built on first use: a run that records nothing (a plan) never needs it. */
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }

  static final String DIRECTORY = ".virtd-intent";
  static final String CREATE = "create";
  static final String UPDATE = "update";
  static final String REMOVE = "remove";

  /** One step's record, as written. */
  record Record(
      String owner,
      String uri,
      String guest,
      String action,
      long pid,
      String started,
      List<Marks.Volume> volumes,
      List<String> seeds) {
    Record {
      volumes = volumes == null ? List.of() : List.copyOf(volumes);
      seeds = seeds == null ? List.of() : List.copyOf(seeds);
    }
  }

  private final Path dir; // null: nothing to record (libvirt's make-believe test: hypervisor)
  private final String owner;
  private final String uri;

  Intents(Path dir, String owner, String uri) {
    this.dir = dir;
    this.owner = owner;
    this.uri = uri;
  }

  /** Records written nowhere: for hypervisors whose storage is make-believe. */
  static Intents none(String owner, String uri) {
    return new Intents(null, owner, uri);
  }

  /**
   * Begins a step on {@code guest}. With items already known (a remove), the record is written now;
   * a create's or an update's is written when it plans its first volume or seed (an update that
   * makes none writes none).
   */
  Step begin(String guest, String action, List<Marks.Volume> volumes, List<Path> seeds)
      throws DriverException {
    Step s = new Step(guest, action);
    s.volumes.addAll(volumes);
    seeds.forEach(p -> s.seeds.add(p.toString()));
    if (!s.volumes.isEmpty() || !s.seeds.isEmpty()) {
      s.write();
    }
    return s;
  }

  /** A step under way: what it has made or is about to delete. */
  final class Step {
    private final String guest;
    private final String action;
    private final List<Marks.Volume> volumes = new ArrayList<>();
    private final List<String> seeds = new ArrayList<>();
    private boolean written;

    private Step(String guest, String action) {
      this.guest = guest;
      this.action = action;
    }

    /** Called just before the volume is made; one whose path is taken already is not listed. */
    void volume(Marks.Volume planned) throws DriverException {
      if (Files.exists(Path.of(planned.path()), LinkOption.NOFOLLOW_LINKS)) {
        return; // not ours: the creation fails, and a rollback must never touch it
      }
      volumes.add(planned);
      write();
    }

    /**
     * Called just before the seed image is written; one there already is not listed (it may be
     * another run's guest's, not yet defined).
     */
    void seed(Path iso) throws DriverException {
      if (Files.exists(iso, LinkOption.NOFOLLOW_LINKS)) {
        return;
      }
      seeds.add(iso.toString());
      write();
    }

    /** The step finished (or cleaned up after itself): its record goes. */
    void done() {
      if (!written || dir == null) {
        return;
      }
      try {
        Files.deleteIfExists(file(guest));
        written = false;
        Files.delete(dir);
      } catch (DirectoryNotEmptyException | NoSuchFileException e) {
        // another step's record is there, or another run removed the directory first
      } catch (IOException e) {
        log.warn("could not delete the intent record of {}: {}", guest, e.toString());
      }
    }

    private void write() throws DriverException {
      if (dir == null) {
        return;
      }
      ProcessHandle self = ProcessHandle.current();
      Record r = new Record(owner, uri, guest, action, self.pid(), started(self), volumes, seeds);
      try {
        store(file(guest), Json.MAPPER.writeValueAsBytes(r));
        written = true;
      } catch (IOException e) {
        throw new DriverException(
            Kind.TERMINAL,
            "libvirt: "
                + action
                + " `"
                + guest
                + "`: cannot write its intent record in "
                + dir
                + " (nothing was made or deleted): "
                + e,
            e);
      }
    }
  }

  /**
   * This process's record of {@code guest}; one per guest, since no guest has two steps at once.
   */
  private Path file(String guest) {
    return dir.resolve(
        enc(owner) + "~" + enc(guest) + "~" + ProcessHandle.current().pid() + ".json");
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** Atomically: a reader sees the old record or the new one, after a crash too. */
  private void store(Path target, byte[] bytes) throws IOException {
    for (int attempt = 0; ; attempt++) {
      try {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Path tmp = dir.resolve(target.getFileName() + ".tmp");
        try (FileChannel ch =
            FileChannel.open(
                tmp,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
          ch.write(ByteBuffer.wrap(bytes));
          ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
          d.force(true);
        }
        return;
      } catch (NoSuchFileException | FileAlreadyExistsException e) {
        // another step removed the emptied directory under us: after this one found it there
        // (createDirectories then says "already exists" of a path that is no longer a directory),
        // or before this one wrote into it
        if (attempt >= 2) {
          throw e;
        }
      }
    }
  }

  private static String started(ProcessHandle p) {
    return p.info().startInstant().map(Object::toString).orElse("");
  }

  /** Whether the process that wrote {@code r} is gone (a pid reused since has another start). */
  static boolean abandoned(Record r) {
    Optional<ProcessHandle> p = ProcessHandle.of(r.pid());
    if (p.isEmpty() || !p.get().isAlive()) {
      return true;
    }
    String now = started(p.get());
    return !now.isEmpty() && !now.equals(r.started());
  }

  /**
   * Finishes or rolls back the steps of this owner and URI (of {@code guest} only, when given) that
   * a process now gone left unfinished. Errors are logged: the record stays for the next try.
   */
  void recover(Connect conn, Optional<String> guest) {
    if (dir == null || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.sorted().toList();
    } catch (IOException e) {
      log.warn("cannot read the intent records in {}: {}", dir, e.toString());
      return;
    }
    for (Path f : files) {
      String n = f.getFileName().toString();
      if (n.endsWith(".json.tmp")) {
        dropStaleTemporary(f, n);
        continue;
      }
      if (!n.endsWith(".json")) {
        continue;
      }
      Record r;
      try {
        r = Json.MAPPER.readValue(f.toFile(), Record.class);
      } catch (IOException e) {
        log.warn("unreadable intent record {} left as it is: {}", f, e.toString());
        continue;
      }
      if (!owner.equals(r.owner())
          || !uri.equals(r.uri())
          || guest.map(g -> !g.equals(r.guest())).orElse(false)
          || !abandoned(r)) {
        continue;
      }
      if (finish(conn, r)) {
        try {
          Files.deleteIfExists(f);
        } catch (IOException e) {
          log.warn("could not delete the intent record {}: {}", f, e.toString());
        }
      }
    }
    try {
      Files.delete(dir);
    } catch (IOException e) {
      // not empty, or gone already
    }
  }

  private static boolean guestExists(Connect conn, String name) throws LibvirtException {
    try {
      conn.domainLookupByName(name).free();
      return true;
    } catch (LibvirtException e) {
      if (Errors.is(e, org.libvirt.Error.ErrorNumber.VIR_ERR_NO_DOMAIN)) {
        return false;
      }
      throw e;
    }
  }

  private static void dropStaleTemporary(Path f, String n) {
    String[] parts = n.substring(0, n.length() - ".json.tmp".length()).split("~");
    try {
      long pid = Long.parseLong(parts[parts.length - 1]);
      if (ProcessHandle.of(pid).isEmpty()) {
        Files.deleteIfExists(f); // its process died writing it: the record it replaced stands
      }
    } catch (NumberFormatException | IOException e) {
      // not one of ours, or not removable now: left as it is
    }
  }

  /**
   * Deletes what {@code r} lists that no defined guest uses; true when the record can go: nothing
   * stayed by error, and what stayed in use is held by the step's own guest (so the step got past
   * its define, or never undefined), not by a guest the listing could not see through.
   */
  private boolean finish(Connect conn, Record r) {
    boolean defined;
    try {
      defined = guestExists(conn, r.guest());
    } catch (LibvirtException e) {
      log.warn("cannot look up {}; its interrupted {} waits", r.guest(), r.action());
      return false;
    }
    Storage storage = new Storage(conn);
    boolean clean = true;
    List<String> deleted = new ArrayList<>();
    for (Marks.Volume v : r.volumes()) {
      try {
        if (!storage.guestsUsing(Set.of(v.path()), null).isEmpty()) {
          clean &= defined;
          continue;
        }
        storage.delete(v);
        deleted.add(v.path());
      } catch (LibvirtException e) { // in use, or not, cannot be told: it stays
        clean = false;
        log.warn("volume {} stays: {}", v.path(), Errors.message(e));
      }
    }
    for (String s : r.seeds()) {
      try {
        if (!storage.guestsUsing(Set.of(s), null).isEmpty()) {
          clean &= defined;
          continue;
        }
        CloudInitSeed.delete(Path.of(s), r.guest());
        deleted.add(s);
      } catch (LibvirtException e) {
        clean = false;
        log.warn("the seed {} stays: {}", s, Errors.message(e));
      } catch (IOException e) {
        clean = false;
        log.warn("the seed {} stays: {}", s, e.toString());
      }
    }
    log.info(
        "{} the interrupted {} of {}: deleted {}",
        clean ? "finished" : "partly finished",
        r.action(),
        r.guest(),
        deleted.isEmpty() ? "nothing" : String.join(", ", deleted));
    return clean;
  }
}
