package io.virtd.core.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ManifestSchemaTest {
  private static final Path EXAMPLES = Path.of("..", "manifests");
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final SchemaRegistry REGISTRY =
      SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
  private static final Schema SCHEMA = REGISTRY.getSchema(ManifestSchema.generate());

  static Stream<Path> examples() throws IOException {
    try (Stream<Path> files = Files.walk(EXAMPLES)) {
      List<Path> list = files.filter(p -> p.toString().matches(".*\\.ya?ml")).sorted().toList();
      assertFalse(list.isEmpty(), "no example manifests under " + EXAMPLES.toAbsolutePath());
      return list.stream();
    }
  }

  @ParameterizedTest
  @MethodSource("examples")
  void everyExampleManifestIsValid(Path file) throws IOException {
    int docs = 0;
    try (var it = YAML.readerFor(JsonNode.class).<JsonNode>readValues(file.toFile())) {
      while (it.hasNext()) {
        JsonNode doc = it.next();
        if (doc == null || doc.isNull() || doc.isMissingNode()) {
          continue;
        }
        docs++;
        List<Error> errors = SCHEMA.validate(doc);
        assertTrue(errors.isEmpty(), () -> file + ": " + errors);
      }
    }
    assertTrue(docs > 0, file + " holds no resource");
  }

  @Test
  void theSchemaIsAValidDraft202012Schema() {
    Schema meta = REGISTRY.getSchema(SchemaLocation.of(ManifestSchema.DRAFT));
    List<Error> errors = meta.validate(ManifestSchema.generate());
    assertTrue(errors.isEmpty(), errors::toString);
  }

  @Test
  void everyKeyIsAPropertyAndNothingElse() {
    var props = new TreeSet<String>();
    ManifestSchema.generate().get("properties").fieldNames().forEachRemaining(props::add);
    var expected = new TreeSet<>(Field.keys());
    expected.add("virt");
    assertEquals(expected, props);
  }

  @Test
  void anUnknownKeyFails() {
    assertFalse(errors("virt: web01\nvirt_type: kvm\nmemroy: 512\n").isEmpty());
  }

  @Test
  void networkAndPoolDocumentsHaveTheirOwnKeys() {
    assertTrue(
        errors(
                "network: backend\nforward: nat\nip: 10.0.0.1/24\ndhcp:\n  range: a-b\n"
                    + "  hosts: [{mac: m, ip: i, name: n}]\nautostart: true\nrestart: on_change\n")
            .isEmpty());
    assertTrue(errors("pool: fast\ntype: dir\npath: /srv/fast\nensure: stopped\n").isEmpty());
    assertFalse(errors("network: backend\nmemory: 512\n").isEmpty());
    assertFalse(errors("network: backend\nforward: nated\n").isEmpty());
    assertFalse(errors("pool: fast\npath: /srv/fast\n").isEmpty());
    assertFalse(errors("pool: fast\ntype: dir\nforward: nat\n").isEmpty());
  }

  @Test
  void virtAndVirtTypeAreRequired() {
    assertFalse(errors("virt: web01\n").isEmpty());
    assertFalse(errors("virt_type: kvm\n").isEmpty());
    assertTrue(errors("virt: web01\nvirt_type: kvm\n").isEmpty());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "memory: 512",
        "memory: 512MiB",
        "memory: 1g",
        "memory: 1048576KiB",
        "memory: 2 GB",
        "ensure: stopped",
        "virt_type: xen_paravirt",
        "clocksync: UTC",
        "clocksync: utc",
        "on_crash: preserv",
        "arch: amd64",
        "graphics: vnc:5901",
        "interfaces: default",
        "interfaces: [default, br0]",
        "interfaces: disable",
        "shutdown_timeout: 500ms",
        "id: 101",
        "id: \"101\"",
        "features: nfs:on",
        "iptables: [ipt_REJECT]",
        "user_data: {users: [a]}",
        "vnc_password: 12345678",
        "desc: 1.10",
        "autoboot: true",
        "connect: test:///default"
      })
  void valuesTheLoaderAcceptsPass(String line) {
    String doc =
        line.startsWith("virt_type") ? "virt: x\n" + line : "virt: x\nvirt_type: kvm\n" + line;
    assertTrue(errors(doc).isEmpty(), () -> line + ": " + errors(doc));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "memory: 1.5GiB",
        "memory: 12 parsecs",
        "memory: 0",
        "ensure: runing",
        "cpus: 0",
        "cpus: many",
        "shutdown_timeout: 5 minutes",
        "graphics: spice",
        "autoboot: maybe",
        "features: nfs",
        "interfaces: [\"bad name\"]",
        "user: rootonly",
        "connect: qemu",
        "os_variant: \"deb ian\"",
        "disk_size: -1"
      })
  void valuesTheLoaderRejectsFail(String line) {
    assertFalse(errors("virt: x\nvirt_type: kvm\n" + line).isEmpty(), line);
  }

  private static List<Error> errors(String yaml) {
    try {
      return new ArrayList<>(SCHEMA.validate(YAML.readTree(yaml)));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
