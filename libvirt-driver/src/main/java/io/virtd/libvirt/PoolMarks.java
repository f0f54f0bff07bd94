package io.virtd.libvirt;

import io.virtd.core.spi.OwnershipMark;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The ownership marks of storage pools. A pool's XML has no {@code <metadata>}, so the mark is a
 * small file per pool in virtd's state directory ({@code storage_dir/.virtd-pool-marks/NAME.mark}),
 * holding the owner, origin, manifest and hash as a guest's mark does, and the pool's UUID: a pool
 * of the same name defined again by someone else is not virtd's. On {@code test:} URIs, whose pools
 * vanish with the connection, the marks are kept in memory.
 */
final class PoolMarks {
  static final String DIRECTORY = ".virtd-pool-marks";

  private final Path dir; // null: in memory
  private final Map<String, String> memory = new HashMap<>();

  PoolMarks(Path dir) {
    this.dir = dir;
  }

  static PoolMarks inMemory() {
    return new PoolMarks(null);
  }

  /** The mark of pool {@code name} whose UUID is {@code uuid}, if virtd wrote one for it. */
  synchronized Optional<OwnershipMark> read(String name, String uuid) {
    String text;
    try {
      text = dir == null ? memory.get(name) : readFile(name);
    } catch (IOException e) {
      return Optional.empty();
    }
    if (text == null) {
      return Optional.empty();
    }
    Properties p = new Properties();
    try {
      p.load(new StringReader(text));
    } catch (IOException e) {
      return Optional.empty();
    }
    if (!uuid.equals(p.getProperty("uuid")) || p.getProperty("owner") == null) {
      return Optional.empty();
    }
    return Optional.of(
        new OwnershipMark(
            p.getProperty("owner"),
            OwnershipMark.Origin.fromKey(p.getProperty("origin")),
            p.getProperty("manifest"),
            p.getProperty("hash")));
  }

  synchronized void write(String name, String uuid, OwnershipMark mark) throws IOException {
    Properties p = new Properties();
    p.setProperty("uuid", uuid);
    p.setProperty("owner", mark.owner());
    p.setProperty("origin", mark.origin().key());
    p.setProperty("manifest", mark.manifest());
    p.setProperty("hash", mark.hash());
    java.io.StringWriter w = new java.io.StringWriter();
    p.store(w, "virtd's ownership mark of storage pool " + name);
    if (dir == null) {
      memory.put(name, w.toString());
      return;
    }
    Files.createDirectories(dir);
    Path tmp = dir.resolve(name + ".mark.tmp");
    Files.writeString(tmp, w.toString(), StandardCharsets.UTF_8);
    Files.move(
        tmp,
        file(name),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  synchronized void remove(String name) throws IOException {
    if (dir == null) {
      memory.remove(name);
    } else {
      Files.deleteIfExists(file(name));
    }
  }

  private String readFile(String name) throws IOException {
    Path f = file(name);
    return Files.isRegularFile(f) ? Files.readString(f, StandardCharsets.UTF_8) : null;
  }

  private Path file(String name) {
    return dir.resolve(name + ".mark");
  }
}
