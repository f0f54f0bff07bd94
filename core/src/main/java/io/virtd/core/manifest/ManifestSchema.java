package io.virtd.core.manifest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.stream.Collectors;

/**
 * The JSON Schema (draft 2020-12) of one manifest document, generated from {@link Field}: editors
 * and CI jobs can check manifests without virtd. It says less than {@link ManifestLoader} (no
 * duplicate names, no driver-specific keys, no cross-key rules such as "one of virt_path, image,
 * clone_from, xml_file"), so {@code virtctl validate} stays the authority; everything the loader
 * accepts, the schema accepts.
 */
public final class ManifestSchema {
  public static final String DRAFT = "https://json-schema.org/draft/2020-12/schema";

  private ManifestSchema() {}

  public static ObjectNode generate() {
    ObjectNode root = Values.JSON.objectNode();
    root.put("$schema", DRAFT);
    root.put("title", "virtd manifest: one virt resource");
    root.put(
        "description",
        "One YAML document of a virtd manifest. `virtctl validate` checks more than this schema:"
            + " driver support of each key, duplicate names, keys that exclude each other.");
    root.put("type", "object");
    ObjectNode props = root.putObject("properties");
    ObjectNode virt =
        Values.type("string", "integer").put("pattern", Values.anchored(Names.PATTERN));
    virt.put("description", "the resource's name: the libvirt domain or OpenVZ container name");
    props.set("virt", virt);
    for (Field f : Field.values()) {
      ObjectNode s = f.valueSchema();
      s.put("description", describe(f));
      props.set(f.key(), s);
    }
    root.putArray("required").add("virt").add(Field.VIRT_TYPE.key());
    root.put("additionalProperties", false);
    return root;
  }

  private static String describe(Field f) {
    String kind =
        switch (f.kind()) {
          case ENSURE -> "the run state, always managed";
          case CHANGEABLE -> "changeable";
          case CREATE_TIME -> "create-time: a later change needs the guest re-created";
          case POLICY -> "policy";
        };
    String drivers = f.drivers().stream().map(DriverKind::key).collect(Collectors.joining(", "));
    return kind + "; drivers: " + drivers + (f.secret() ? "; secret, never printed" : "");
  }
}
