package io.virtd.libvirt;

import static io.virtd.core.testing.DriverContract.mark;
import static io.virtd.core.testing.DriverContract.plan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.config.Config;
import io.virtd.core.manifest.Field;
import io.virtd.core.plan.ResourcePlan;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.spi.VmDriver;
import io.virtd.core.testing.Specs;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every {@code arch} the spec allows reaches libvirt by libvirt's name ({@code powerpc} is {@code
 * ppc}, {@code hppa} is {@code parisc}: libvirt refused the spec's names with "Unknown architecture
 * powerpc") and reads back as the manifest's value, so the next plan is empty.
 */
class ArchNamesTest {
  static final String URI = "test:///default";

  VmDriver driver;
  String prefix;

  @BeforeEach
  void open() throws Exception {
    driver = new LibvirtDriverFactory().open(URI, Config.defaults());
    prefix = "virtd-arch-" + UUID.randomUUID().toString().substring(0, 8) + "-";
  }

  @AfterEach
  void cleanUp() throws Exception {
    try {
      driver.close();
    } finally {
      DomainCleaner.removeAll(URI, prefix);
    }
  }

  @ParameterizedTest
  @CsvSource({
    "i386, i686, i686",
    "i686, i686, i686",
    "amd64, x86_64, x86_64",
    "x86_64, x86_64, x86_64",
    "ia64, ia64, ia64",
    "powerpc, powerpc, ppc",
    "hppa, hppa, parisc"
  })
  void everySpecArchIsWrittenByLibvirtsNameAndReadBackAsWritten(
      String written, String manifestValue, String libvirtName) throws Exception {
    var spec =
        Specs.parse(
            "virt: " + prefix + written + "\nvirt_type: kvm\nensure: stopped\narch: " + written);
    assertEquals(manifestValue, spec.values().get(Field.ARCH));

    String xml =
        DomainWriter.create(
            spec,
            mark(spec, OwnershipMark.Origin.CREATED),
            new DomainWriter.Host("x86_64", n -> false, "UTC"));
    assertTrue(xml.contains("arch=\"" + libvirtName + "\""), xml);
    assertEquals(manifestValue, DomainReader.read(xml).fields().get(Field.ARCH));

    driver.create(spec, mark(spec, OwnershipMark.Origin.CREATED)); // libvirt accepts the name
    ObservedVm vm = driver.observe(spec.name()).orElseThrow();
    assertEquals(manifestValue, vm.persistent().get(Field.ARCH));
    ResourcePlan again = plan(driver, spec, Optional.of(vm));
    assertTrue(again.recreateRequired().isEmpty(), again::toString);
    assertFalse(again.hasChanges(), again::toString);
  }
}
