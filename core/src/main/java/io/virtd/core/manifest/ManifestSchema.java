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
    root.put("title", "virtd manifest: one virt, network or pool resource");
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
    // a network or pool document is checked by its own schema; any other by the guest's keys
    ObjectNode defs = root.putObject("$defs");
    defs.set("network", network());
    defs.set("pool", pool());
    root.putObject("if").putArray("required").add("network");
    root.putObject("then").put("$ref", "#/$defs/network");
    ObjectNode otherwise = root.putObject("else");
    otherwise.putObject("if").putArray("required").add("pool");
    otherwise.putObject("then").put("$ref", "#/$defs/pool");
    otherwise.putObject("else").putArray("required").add("virt").add(Field.VIRT_TYPE.key());
    root.put("unevaluatedProperties", false);
    return root;
  }

  /** A {@code network:} document (see {@link NetworkSpec}). */
  private static ObjectNode network() {
    ObjectNode n = hostResource("network", "a libvirt virtual network");
    ObjectNode p = (ObjectNode) n.get("properties");
    p.set("forward", words("nat", "route", "bridge", "isolated"));
    p.set("bridge", Values.type("string"));
    p.set("ip", Values.type("string"));
    ObjectNode dhcp = p.putObject("dhcp").put("type", "object");
    ObjectNode dp = dhcp.putObject("properties");
    dp.set("range", Values.type("string"));
    ObjectNode host = dp.putObject("hosts").put("type", "array").putObject("items");
    host.put("type", "object");
    ObjectNode hp = host.putObject("properties");
    hp.set("mac", Values.type("string"));
    hp.set("ip", Values.type("string"));
    hp.set("name", Values.type("string"));
    host.putArray("required").add("mac").add("ip");
    host.put("additionalProperties", false);
    dhcp.put("additionalProperties", false);
    p.set("restart", words("never", "on_change"));
    return n;
  }

  /** A {@code pool:} document (see {@link PoolSpec}). */
  private static ObjectNode pool() {
    ObjectNode n = hostResource("pool", "a libvirt storage pool");
    ObjectNode p = (ObjectNode) n.get("properties");
    p.set("type", words("dir", "fs", "netfs", "logical", "zfs"));
    p.set("path", Values.type("string"));
    p.set("source", Values.type("string"));
    ((com.fasterxml.jackson.databind.node.ArrayNode) n.get("required")).add("type");
    return n;
  }

  private static ObjectNode hostResource(String title, String description) {
    ObjectNode n = Values.JSON.objectNode();
    n.put("type", "object");
    n.put("description", description);
    ObjectNode p = n.putObject("properties");
    p.set(title, Values.type("string", "integer").put("pattern", Values.anchored(Names.PATTERN)));
    p.set("autostart", Values.type("boolean"));
    p.set("ensure", words("running", "stopped", "absent"));
    p.set("connect", Values.type("string"));
    n.putArray("required").add(title);
    n.put("additionalProperties", false);
    return n;
  }

  private static ObjectNode words(String... words) {
    ObjectNode n = Values.JSON.objectNode();
    var e = n.putArray("enum");
    for (String w : words) {
      e.add(w);
    }
    return n;
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
