package io.virtd.libvirt;

import io.virtd.core.manifest.VmSpec;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.DriverException.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cloud-init seed images of one hypervisor's guests ({@link CloudInitSeed}): written, replaced
 * and deleted as files in {@code storage_dir} on a local hypervisor, as volumes uploaded through
 * libvirt on a remote one ({@link SeedVolumes}).
 */
final class SeedFiles {
  private static final Logger log = LoggerFactory.getLogger(LibvirtDriver.class);

  private final String uri;
  private final boolean remote;
  private final Path storageDir;
  private final Connections connections;

  /**
   * Where virtd writes cloud-init seeds itself: {@code storage_dir}; for libvirt's in-process
   * {@code test:} hypervisor a scratch directory made on first use and removed on close: its guests
   * and volumes are make-believe, but seed images are real files and must never overwrite a real
   * guest's.
   */
  private volatile Path seedDir;

  private final Object seedLock = new Object();

  SeedFiles(String uri, Path storageDir, Connections connections) {
    this.uri = uri;
    this.remote = LibvirtDriver.isRemote(uri);
    this.storageDir = storageDir;
    this.connections = connections;
    this.seedDir = uri.startsWith("test:") ? null : storageDir;
  }

  private Path seedDir() throws IOException {
    synchronized (seedLock) {
      if (seedDir == null) {
        seedDir = Files.createTempDirectory("virtd-test-seeds-");
      }
      return seedDir;
    }
  }

  /**
   * A definition with the seed attached; {@code madeFile}: the seed image did not exist before (see
   * {@link CloudInitSeed#write}).
   */
  record Seeded(String xml, boolean madeFile) {}

  /**
   * Writes the guest's cloud-init seed image and returns {@code xml} with it attached and the
   * documents' digests in the mark. Never logs the documents: user-data holds passwords.
   */
  Seeded seed(Connect c, VmSpec spec, String xml, String action, Intents.Step intent)
      throws DriverException {
    Path iso = null;
    boolean made;
    try {
      iso = CloudInitSeed.isoPath(seedDir(), spec.name());
      if (remote) {
        made = SeedVolumes.write(c, new Storage(c, planned -> {}, true), spec, iso, intent);
      } else {
        if (intent != null) {
          intent.seed(iso);
        }
        made = CloudInitSeed.write(spec, iso);
      }
    } catch (LibvirtException e) {
      throw connections.fail(e, action + " the cloud-init seed of", spec.name());
    } catch (IOException | RuntimeException e) {
      throw new DriverException(
          Kind.TERMINAL,
          "libvirt: "
              + action
              + " `"
              + spec.name()
              + "`: cannot write the cloud-init seed "
              + iso
              + ": "
              + e.getMessage(),
          e);
    }
    try {
      return new Seeded(
          CloudInitSeed.attach(xml, iso, spec.virtType(), CloudInitSeed.digests(spec)), made);
    } catch (DomainWriter.Unsupported e) {
      if (made) {
        deleteQuietly(spec.name());
      }
      throw new DriverException(
          Kind.TERMINAL, "libvirt: " + action + " `" + spec.name() + "`: " + e.getMessage(), e);
    }
  }

  /** After a failed define: the seed goes too, but the define's own error is the one to report. */
  void deleteQuietly(String name) {
    deleteQuietly(name, Optional.empty());
  }

  void deleteQuietly(String name, Optional<Path> seed) {
    try {
      remove(name, seed);
    } catch (DriverException again) {
      log.debug("a seed of {} stays: {}", name, again.getMessage());
    }
  }

  /** Where guest {@code name}'s seed is written today: in {@code storage_dir}. */
  Path defaultSeed(String name) {
    return CloudInitSeed.isoPath(storageDir, name);
  }

  static Path seedOf(String xml) {
    return CloudInitSeed.recorded(xml).orElseThrow();
  }

  /**
   * Deletes the guest's seed: the one its mark {@code recorded}, wherever that is (storage_dir may
   * have changed since); for a guest whose mark records none, the one in today's seed directory.
   */
  void remove(String name, Optional<Path> recorded) throws DriverException {
    Path dir = seedDir;
    if (recorded.isEmpty() && dir == null) {
      return; // test: with no seed written yet
    }
    Path iso = recorded.orElseGet(() -> CloudInitSeed.isoPath(dir, name));
    if (remote) {
      try (ConnectionPool.Lease<Connect> c = connections.lease()) {
        SeedVolumes.delete(new Storage(c.connection()), iso, name);
      } catch (LibvirtException e) {
        throw connections.fail(e, "remove the cloud-init seed of", name);
      }
      return;
    }
    try {
      CloudInitSeed.delete(iso, name);
    } catch (IOException e) {
      throw new DriverException(
          Kind.TRANSIENT, "libvirt: remove `" + name + "`: cannot delete " + iso + ": " + e, e);
    }
  }

  /** The seed {@link #remove} deletes, for the intent record; none when there is none. */
  List<Path> toRemove(String name, Optional<Path> recorded) {
    Path dir = seedDir;
    if (remote || (recorded.isEmpty() && dir == null)) {
      return List.of();
    }
    Path iso = recorded.orElseGet(() -> CloudInitSeed.isoPath(dir, name));
    return Files.exists(iso, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? List.of(iso) : List.of();
  }

  /** Removes the scratch directory of a {@code test:} hypervisor's seeds. */
  void close() {
    if (uri.startsWith("test:") && seedDir != null) {
      try (var files = Files.walk(seedDir)) {
        for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(f);
        }
      } catch (IOException e) {
        // a scratch directory under the system's temporary directory: nothing to lose
      }
    }
  }
}
