package io.virtd.core.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.virtd.core.manifest.HostSpec;
import io.virtd.core.manifest.NetworkSpec;
import io.virtd.core.manifest.PoolSpec;
import io.virtd.core.manifest.SafeText;
import java.util.List;

/** A network's or pool's plan in the plan's JSON, shaped as a guest's is ({@link PlanJson}). */
final class HostPlanJson {
  private HostPlanJson() {}

  static ObjectNode resource(HostPlan h) {
    ObjectNode n = PlanJson.NODES.objectNode();
    n.put("address", h.spec().address());
    n.put("name", h.name());
    n.put("driver", h.driver());
    n.put("manifest", h.spec().origin());
    ArrayNode actions = n.putArray("actions");
    ArrayNode changes = n.putArray("changes");
    for (HostStep step : h.steps()) {
      actions.add(HostStep.key(step));
      if (step instanceof HostStep.Create) {
        ObjectNode c = n.putObject("create");
        c.put("summary", summary(h.spec()));
        c.put("ensure", h.spec().ensure().key());
      } else if (step instanceof HostStep.Update u) {
        u.changes().forEach(c -> changes.add(change(c)));
      }
    }
    ArrayNode recreate = n.putArray("recreate_required");
    h.recreateRequired().forEach(c -> recreate.add(change(c)));
    ArrayNode pending = n.putArray("restart_pending");
    h.restartPending().forEach(pending::add);
    ArrayNode guests = n.putArray("restart_guests");
    h.guests().forEach(guests::add);
    if (h.failure().isPresent()) {
      n.put("error", h.error().get());
    } else {
      n.putNull("error");
    }
    n.putArray("warnings");
    return n;
  }

  /** What {@code + create (…)} says: the forward mode and address, or the pool's type and place. */
  private static String summary(HostSpec spec) {
    return switch (spec.kind()) {
      case NETWORK -> {
        NetworkSpec n = (NetworkSpec) spec;
        yield n.forward().key()
            + n.ip().map(ip -> ", " + ip).orElse("")
            + n.bridge().map(b -> ", bridge " + b).orElse("");
      }
      case POOL -> {
        PoolSpec p = (PoolSpec) spec;
        yield p.type().key()
            + p.path().map(x -> ", " + x).orElse("")
            + p.source().map(x -> ", source " + x).orElse("");
      }
    };
  }

  private static ObjectNode change(HostChange c) {
    ObjectNode n = PlanJson.NODES.objectNode();
    n.put("field", c.key());
    n.set("before", raw(c.before()));
    n.set("after", raw(c.after()));
    n.put("before_text", text(c.before()));
    n.put("after_text", text(c.after()));
    n.put("apply", c.mutability().label());
    return n;
  }

  private static JsonNode raw(Object v) {
    if (v == null) {
      return PlanJson.NODES.nullNode();
    }
    if (v instanceof List<?> l) {
      ArrayNode a = PlanJson.NODES.arrayNode();
      for (Object o : l) {
        if (o instanceof NetworkSpec.DhcpHost h) {
          ObjectNode host = a.addObject().put("mac", h.mac()).put("ip", h.ip());
          h.name().ifPresent(name -> host.put("name", name));
        } else {
          a.add(String.valueOf(o));
        }
      }
      return a;
    }
    if (v instanceof Boolean b) {
      return PlanJson.NODES.booleanNode(b);
    }
    return PlanJson.NODES.textNode(text(v));
  }

  /** How a value reads: words as the manifest writes them, DHCP hosts as MAC=IP (name). */
  static String text(Object v) {
    if (v == null) {
      return "(none)";
    }
    if (v instanceof NetworkSpec.Forward f) {
      return f.key();
    }
    if (v instanceof PoolSpec.Type t) {
      return t.key();
    }
    if (v instanceof NetworkSpec.DhcpHost h) {
      return h.mac() + "=" + h.ip() + h.name().map(n -> " (" + n + ")").orElse("");
    }
    if (v instanceof List<?> l) {
      return "[" + String.join(", ", l.stream().map(HostPlanJson::text).toList()) + "]";
    }
    return SafeText.of(v.toString());
  }
}
