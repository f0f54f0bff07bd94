package io.virtd.libvirt;

import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.manifest.XmlFile;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.DriverException.Kind;
import io.virtd.core.spi.OwnershipMark;
import java.nio.file.Path;
import java.util.List;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * Defines a new guest: its storage ({@link GuestStorage}), its definition ({@link DomainWriter}),
 * its cloud-init seed, its autostart flag; after a create that fails before its define, what it
 * made goes again.
 */
final class GuestCreation {
  private final boolean remote;
  private final Path storageDir;

  /** This machine, as a local hypervisor's definitions need it. */
  private final Host here;

  private final SeedFiles seeds;
  private final Connections connections;

  GuestCreation(
      boolean remote, Path storageDir, Host here, SeedFiles seeds, Connections connections) {
    this.remote = remote;
    this.storageDir = storageDir;
    this.here = here;
    this.seeds = seeds;
    this.connections = connections;
  }

  void create(Connect c, VmSpec spec, OwnershipMark mark, Intents.Step intent)
      throws DriverException {
    Storage storage = new Storage(c, intent::volume, remote);
    GuestStorage.Prepared prepared;
    try {
      prepared = GuestStorage.prepare(spec, storage, storageDir, c);
    } catch (LibvirtException e) {
      throw connections.fail(e, "create storage for", spec.name());
    } catch (DomainWriter.Unsupported e) {
      throw new DriverException(
          Kind.TERMINAL, "libvirt: create `" + spec.name() + "`: " + e.getMessage(), e);
    }
    TestHalt.at("create:after-volumes");
    List<Marks.Volume> made = prepared.storage().volumes();
    boolean seedMade = false; // by this attempt: a seed found there may be another run's
    Domain d = null;
    try {
      String xml = definition(spec, mark, prepared, host(c));
      if (CloudInitSeed.wanted(spec)) {
        SeedFiles.Seeded seeded = seeds.seed(c, spec, xml, "create", intent);
        xml = seeded.xml();
        seedMade = seeded.madeFile();
        TestHalt.at("create:after-seed");
      }
      d = c.domainDefineXML(xml);
      TestHalt.at("create:after-define");
      Object autoboot = spec.managed().get(Field.AUTOBOOT);
      if (autoboot instanceof Boolean b) {
        d.setAutostart(b);
      }
    } catch (LibvirtException e) {
      discardIfUndefined(d, storage, made, seedMade, spec.name());
      throw connections.fail(e, "define", spec.name());
    } catch (DriverException | RuntimeException e) {
      discardIfUndefined(d, storage, made, seedMade, spec.name());
      throw e;
    } finally {
      Domains.free(d);
    }
  }

  /**
   * The hypervisor as a definition needs it: this machine, or a remote one asked through libvirt.
   */
  Host host(Connect c) throws LibvirtException {
    return remote ? RemoteHost.of(c) : here;
  }

  private String definition(
      VmSpec spec, OwnershipMark mark, GuestStorage.Prepared prepared, Host host)
      throws DriverException {
    try {
      if (prepared.template().isPresent()) {
        return DomainWriter.fromTemplate(
            prepared.template().get(), spec, mark, host, prepared.storage());
      }
      if (spec.get(Field.XML_FILE).orElse(null) instanceof XmlFile template) {
        // the text read and checked with the manifest, never the file again: it may have changed
        String text =
            template
                .content()
                .orElseThrow(
                    () ->
                        new DomainWriter.Unsupported(
                            "cannot read `xml_file` " + template.path() + ": no such file"));
        return DomainWriter.fromTemplate(text, spec, mark, host, prepared.storage());
      }
      return DomainWriter.create(spec, mark, host, prepared.storage());
    } catch (DomainWriter.Unsupported e) {
      throw new DriverException(
          Kind.TERMINAL, "libvirt: create `" + spec.name() + "`: " + e.getMessage(), e);
    }
  }

  /**
   * After a failed create: when no guest was defined, nothing holds the volumes and seed it made,
   * so they go (no orphans on retry); the create's own error is the one to report. Only what this
   * attempt made: a seed image that was there already may be another run's guest's.
   */
  private void discardIfUndefined(
      Domain defined, Storage storage, List<Marks.Volume> made, boolean seedMade, String name) {
    if (defined != null) {
      return;
    }
    GuestStorage.deleteQuietly(storage, made);
    if (seedMade) {
      seeds.deleteQuietly(name);
    }
  }
}
