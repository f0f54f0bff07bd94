package io.virtd.core.plan;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.SafeText;
import io.virtd.core.manifest.Sizes;
import io.virtd.core.manifest.VmSpec;
import java.time.Duration;
import java.util.List;

/**
 * The plan as JSON ({@code "format_version": 1}, documented in docs/plan-json.md). The text form is
 * rendered from this document by {@link PlanText}, so the two never disagree.
 */
public final class PlanJson {
  public static final int FORMAT_VERSION = 1;

  /** The nodes of the document: the same factory an ObjectMapper uses. */
  static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private static final String SENSITIVE = "(sensitive)";

  /**
   * The mapper for JSON output and value conversion, built on first use: a text plan of creates
   * never needs one, and building it (its date formats, the locale data behind them) is a
   * noticeable part of virtctl's cold start.
   */
  public static ObjectMapper mapper() {
    return Mappers.MAPPER;
  }

  /** {@link #mapper()}'s writer with the default pretty printer. */
  public static ObjectWriter prettyWriter() {
    return Mappers.PRETTY;
  }

  private static final class Mappers {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final ObjectWriter PRETTY = MAPPER.writerWithDefaultPrettyPrinter();
  }

  private PlanJson() {}

  public static ObjectNode of(Plan plan) {
    ObjectNode root = NODES.objectNode();
    root.put("format_version", FORMAT_VERSION);
    ArrayNode resources = root.putArray("resources");
    // networks and pools come up before the guests that use them and go after them
    for (HostPlan h : plan.hostsBefore()) {
      resources.add(HostPlanJson.resource(h));
    }
    for (ResourcePlan r : plan.resources()) {
      resources.add(resource(r));
    }
    for (HostPlan h : plan.hostsAfter()) {
      resources.add(HostPlanJson.resource(h));
    }
    Plan.Summary s = plan.summary();
    ObjectNode sum = root.putObject("summary");
    sum.put("create", s.create());
    sum.put("change", s.change());
    sum.put("start", s.start());
    sum.put("stop", s.stop());
    sum.put("resume", s.resume());
    sum.put("restart", s.restart());
    sum.put("remove", s.remove());
    sum.put("recreate", s.recreate());
    sum.put("restart_pending", s.restartPending());
    sum.put("errors", s.errors());
    root.put("changes_pending", plan.hasChanges());
    return root;
  }

  static ObjectNode resource(ResourcePlan r) {
    ObjectNode n = NODES.objectNode();
    n.put("address", "virt/" + r.name());
    n.put("name", r.name());
    n.put("driver", r.driver());
    n.put("manifest", r.spec().origin());
    if (r.spec().protect()) {
      n.put("protect", true);
    }
    ArrayNode actions = n.putArray("actions");
    ArrayNode changes = n.putArray("changes");
    for (Step step : r.steps()) {
      if (step instanceof Step.Create) {
        actions.add("create");
        n.set("create", createSummary(r.spec()));
      } else if (step instanceof Step.Adopt) {
        actions.add("adopt");
      } else if (step instanceof Step.Reown o) {
        actions.add("reown");
        n.putObject("reown").put("from", o.formerOwner()).put("to", o.owner());
      } else if (step instanceof Step.Update u) {
        actions.add("update");
        u.changes().forEach(c -> changes.add(change(c)));
      } else if (step instanceof Step.Lifecycle l) {
        actions.add(l.action().key());
      } else if (step instanceof Step.Remove) {
        actions.add("remove");
      } else if (step instanceof Step.Replace rep) {
        actions.add("replace");
        rep.forcedBy().forEach(c -> changes.add(change(c)));
      }
    }
    ArrayNode recreate = n.putArray("recreate_required");
    r.recreateRequired().forEach(c -> recreate.add(change(c)));
    ArrayNode pending = n.putArray("restart_pending");
    r.restartPending().forEach(f -> pending.add(f.key()));
    if (r.failure().isPresent()) {
      n.put("error", r.error().get());
    } else {
      n.putNull("error");
    }
    ArrayNode warnings = n.putArray("warnings");
    r.warnings().forEach(warnings::add);
    if (r.observed().isPresent()) {
      ObjectNode o = n.putObject("observed");
      o.put("state", r.observed().get().state().key());
      o.set("addresses", addresses(r.observed().get().addresses()));
    } else {
      n.putNull("observed");
    }
    return n;
  }

  /**
   * A guest's addresses: {@code [{"mac": …, "ip": …, "prefix": 24, "source": "lease"}, …]}, or
   * {@code null} when they are unknown.
   */
  public static com.fasterxml.jackson.databind.JsonNode addresses(
      java.util.Optional<List<io.virtd.core.spi.GuestAddress>> addresses) {
    return addresses
        .<com.fasterxml.jackson.databind.JsonNode>map(mapper()::valueToTree)
        .orElse(NODES.nullNode());
  }

  private static ObjectNode createSummary(VmSpec spec) {
    ObjectNode c = NODES.objectNode();
    c.put("virt_type", spec.virtType().key());
    c.put("memory", spec.memoryKiB());
    c.put("memory_text", Sizes.formatKiB(spec.memoryKiB()));
    c.put("cpus", spec.cpus());
    c.put("ensure", spec.ensure().key());
    return c;
  }

  static ObjectNode change(FieldChange c) {
    ObjectNode n = NODES.objectNode();
    n.put("field", c.field().key());
    n.set("before", raw(c.field(), c.before()));
    n.set("after", raw(c.field(), c.after()));
    n.put("before_text", text(c.field(), c.before()));
    n.put("after_text", text(c.field(), c.after()));
    n.put("apply", c.mutability().label());
    if (c.field().secret()) {
      n.put("sensitive", true);
    }
    if (DeviceLists.handles(c.field())) {
      n.set("item", DeviceChangeJson.item(c));
    }
    return n;
  }

  private static com.fasterxml.jackson.databind.JsonNode raw(Field f, Object v) {
    if (v == null) {
      return NODES.nullNode();
    }
    if (f.secret()) {
      return NODES.textNode(SENSITIVE);
    }
    if (v instanceof Duration d) {
      return NODES.textNode(Sizes.formatDuration(d));
    }
    if (v instanceof Enum<?>) {
      return NODES.textNode(v.toString());
    }
    return mapper().valueToTree(v);
  }

  /** How a value reads in a plan: memory in MiB, secrets hidden, lists in brackets. */
  public static String text(Field f, Object v) {
    if (v == null) {
      return "(none)";
    }
    if (f.secret()) {
      return SENSITIVE;
    }
    if ((f == Field.MEMORY || f == Field.MAX_MEMORY) && v instanceof Number n) {
      return Sizes.formatKiB(n.longValue());
    }
    if (v instanceof Duration d) {
      return Sizes.formatDuration(d);
    }
    if (v instanceof List<?> l) {
      return SafeText.of("[" + String.join(", ", l.stream().map(Object::toString).toList()) + "]");
    }
    if (v instanceof java.util.Map<?, ?>) {
      return "(document)";
    }
    if (DeviceLists.handles(f)) {
      return SafeText.of(DeviceChangeJson.describe(v));
    }
    String s = v.toString();
    if (s.contains("\n")) {
      return "(document)";
    }
    return SafeText.of(s);
  }
}
