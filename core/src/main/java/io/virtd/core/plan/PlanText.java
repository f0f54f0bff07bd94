package io.virtd.core.plan;

import com.fasterxml.jackson.databind.JsonNode;
import io.virtd.core.manifest.SafeText;
import java.util.ArrayList;
import java.util.List;

/**
 * The plan as people read it, in Terraform's style, rendered from the {@link PlanJson} document:
 * {@code +} create, {@code ~} change, {@code -} remove, {@code >} start/stop/resume/restart, {@code
 * -/+} re-create; each field change says how it is applied.
 */
public final class PlanText {
  private PlanText() {}

  private record Line(String text, String note) {}

  public static String render(JsonNode plan) {
    List<List<Line>> blocks = new ArrayList<>();
    List<String> headers = new ArrayList<>();
    int width = 0;
    for (JsonNode r : plan.get("resources")) {
      List<Line> lines = lines(r);
      if (lines.isEmpty()) {
        continue;
      }
      headers.add(r.get("address").asText() + " (" + r.get("driver").asText() + ")");
      blocks.add(lines);
      for (Line l : lines) {
        if (l.note() != null) {
          width = Math.max(width, l.text().length());
        }
      }
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < blocks.size(); i++) {
      out.append(SafeText.of(headers.get(i))).append('\n');
      for (Line l : blocks.get(i)) {
        out.append(SafeText.of(l.text()));
        if (l.note() != null) {
          out.append(" ".repeat(width - l.text().length() + 3))
              .append('(')
              .append(SafeText.of(l.note()))
              .append(')');
        }
        out.append('\n');
      }
    }
    if (blocks.isEmpty()) {
      out.append("No changes: every resource matches its manifest.\n");
    }
    out.append(summary(plan.get("summary"))).append('\n');
    return out.toString();
  }

  private static List<Line> lines(JsonNode r) {
    List<Line> lines = new ArrayList<>();
    String name = r.get("name").asText();
    if (!r.get("error").isNull()) {
      lines.add(new Line("  ! error: " + r.get("error").asText(), null));
      return lines;
    }
    List<String> changedFields = new ArrayList<>();
    boolean created = false;
    for (JsonNode a : r.get("actions")) {
      if (created && a.asText().equals("start")) {
        continue; // the create line already says "ensure running"
      }
      switch (a.asText()) {
        case "create" -> {
          created = true;
          JsonNode c = r.get("create");
          if (c.has("summary")) { // a network or a pool
            lines.add(
                new Line(
                    "  + create ("
                        + c.get("summary").asText()
                        + ", ensure "
                        + c.get("ensure").asText()
                        + ")",
                    null));
            continue;
          }
          lines.add(
              new Line(
                  "  + create ("
                      + c.get("virt_type").asText()
                      + ", "
                      + c.get("memory_text").asText()
                      + ", "
                      + c.get("cpus").asInt()
                      + (c.get("cpus").asInt() == 1 ? " cpu" : " cpus")
                      + ", ensure "
                      + c.get("ensure").asText()
                      + ")",
                  null));
        }
        case "adopt" -> lines.add(new Line("  ~ adopt (found without ownership mark)", null));
        case "reown" -> {
          JsonNode o = r.get("reown");
          lines.add(
              new Line(
                  "  ~ owner: " + o.get("from").asText() + " -> " + o.get("to").asText(),
                  "mark only: a former owner name of this host"));
        }
        case "update" -> {
          for (JsonNode ch : r.get("changes")) {
            changedFields.add(ch.get("field").asText());
            lines.add(
                ch.has("item")
                    ? itemLine(ch)
                    : new Line("  ~ " + fieldText(ch), ch.get("apply").asText()));
          }
        }
        case "remove" -> lines.add(new Line("  - remove", null));
        case "replace" -> {
          for (JsonNode ch : r.get("changes")) {
            lines.add(new Line("  -/+ " + fieldText(ch), "re-create: --replace " + name));
          }
        }
        default -> lines.add(new Line("  > " + a.asText(), null));
      }
    }
    String settle =
        r.has("restart_guests")
            ? "create-time: virtd does not re-create a " + r.get("address").asText().split("/")[0]
            : r.path("protect").asBoolean()
                ? "recreate required; `protect: true` refuses re-creating it"
                : "recreate required: run apply with --replace " + name;
    for (JsonNode ch : r.get("recreate_required")) {
      lines.add(new Line("  -/+ " + fieldText(ch), settle));
    }
    List<String> pendingOnly = new ArrayList<>();
    for (JsonNode f : r.get("restart_pending")) {
      if (!changedFields.contains(f.asText())) {
        pendingOnly.add(f.asText());
      }
    }
    if (!pendingOnly.isEmpty() && r.has("restart_guests")) { // a network or a pool
      boolean network = r.get("address").asText().startsWith("network/");
      List<String> guests = new ArrayList<>();
      r.get("restart_guests").forEach(g -> guests.add(g.asText()));
      lines.add(
          new Line(
              "  ! restart required: "
                  + String.join(", ", pendingOnly)
                  + (guests.isEmpty()
                      ? ""
                      : (network ? " (cuts off running guests: " : " (guests with disks in it: ")
                          + String.join(", ", guests)
                          + ")"),
              network
                  ? "not done without `restart: on_change`"
                  : "stop the pool's guests and restart it by hand"));
    } else if (!pendingOnly.isEmpty()) {
      lines.add(new Line("  ! restart pending: " + String.join(", ", pendingOnly), null));
    }
    for (JsonNode w : r.get("warnings")) {
      lines.add(new Line("  ! warning: " + w.asText(), null));
    }
    return lines;
  }

  /** Why a resource cannot be planned, as the plan, the status and the logs tell it. */
  public static String error(PlanError e) {
    String name = e.guest();
    String text =
        switch (e.reason()) {
          case UNREADABLE, NOT_READY -> String.join("; ", e.detail());
          case OWNED_BY_ANOTHER ->
              "guest `"
                  + name
                  + "` is marked as owned by `"
                  + e.detail().get(0)
                  + "`, not `"
                  + e.detail().get(1)
                  + "`; refusing to manage it";
          case PROTECTED_FROM_REMOVAL -> "`protect: true` refuses to remove `" + name + "`";
          case PROTECTED_FROM_REPLACEMENT -> "`protect: true` refuses to re-create `" + name + "`";
          case NOT_MANAGED ->
              "`ensure: absent`: guest `"
                  + name
                  + "` is not managed by virtd (it carries no mark), and virtd removes only guests"
                  + " it manages; to adopt it and remove it (its NVRAM too; disks virtd did not make"
                  + " stay), run `virtctl apply --replace "
                  + name
                  + "`";
          case NO_HOST_RESOURCES ->
              "the "
                  + e.detail().get(0)
                  + " driver manages guests only: it has no networks or storage pools";
          case NOT_CREATED ->
              "`ensure: absent`: `"
                  + name
                  + "` was not created by virtd (it is adopted or carries no mark), and virtd"
                  + " removes only the networks and pools it created";
          case IN_USE ->
              "`ensure: absent`: `"
                  + name
                  + "` is in use by "
                  + String.join(", ", e.detail())
                  + "; refusing to remove it";
          case UNKNOWN_NETWORK ->
              "no network or host bridge `"
                  + e.detail().get(0)
                  + "` exists or is declared for this target";
          case UNKNOWN_POOL ->
              "no storage pool `" + e.detail().get(0) + "` exists or is declared for this target";
        };
    return e.location().map(l -> l + ": " + text).orElse(text);
  }

  /** A warning as the plan and virtctl tell it. */
  public static String warning(PlanWarning w) {
    return switch (w.reason()) {
      case MARKED_BY_ANOTHER_MANIFEST ->
          "the guest's mark names manifest " + w.detail().get(0) + ", not " + w.detail().get(1);
      case CANNOT_CHANGE ->
          "`" + w.field().key() + "` cannot be changed by the " + w.detail().get(0) + " driver";
      case CANNOT_CHANGE_RUNNING ->
          "`"
              + w.field().key()
              + "` of the running guest cannot be brought to the manifest's value by the "
              + w.detail().get(0)
              + " driver, live or by a restart";
    };
  }

  /**
   * A device added, removed or changed: {@code + disk vdb (100 GiB, live)}, {@code - disk vdc
   * (detach, live; volume kept: PATH)}, {@code ~ nic 52:54:00:12:34:56: link up -> down}.
   */
  private static Line itemLine(JsonNode ch) {
    JsonNode item = ch.get("item");
    String apply = ch.get("apply").asText();
    String kind = item.get("kind").asText();
    String what = kind + (item.get("id").isNull() ? "" : " " + item.get("id").asText());
    String summary = item.get("summary").asText();
    return switch (item.get("op").asText()) {
      case "add" ->
          new Line(
              "  + " + what + " (" + (summary.isEmpty() ? "" : summary + ", ") + apply + ")", null);
      case "remove" ->
          new Line(
              "  - "
                  + what
                  + " ("
                  + (kind.equals("disk") ? "detach, " : "unplug, ")
                  + apply
                  + (item.get("volume_kept").isNull()
                      ? ""
                      : "; volume kept: " + item.get("volume_kept").asText())
                  + ")",
              null);
      default -> new Line("  ~ " + what + ": " + summary, apply);
    };
  }

  private static String fieldText(JsonNode ch) {
    if (ch.has("item")) {
      JsonNode item = ch.get("item");
      String what =
          item.get("kind").asText()
              + (item.get("id").isNull() ? "" : " " + item.get("id").asText());
      return what + ": " + item.get("summary").asText();
    }
    return ch.get("field").asText()
        + ": "
        + ch.get("before_text").asText()
        + " -> "
        + ch.get("after_text").asText();
  }

  /**
   * {@code Plan: 1 to create, 1 to change, 1 to start, 0 to remove, 1 to re-create; 1 restart
   * pending.}
   */
  static String summary(JsonNode s) {
    StringBuilder b = new StringBuilder("Plan: ");
    b.append(s.get("create").asInt()).append(" to create, ");
    b.append(s.get("change").asInt()).append(" to change, ");
    b.append(s.get("start").asInt()).append(" to start, ");
    for (String extra : List.of("stop", "resume", "restart")) {
      if (s.get(extra).asInt() > 0) {
        b.append(s.get(extra).asInt()).append(" to ").append(extra).append(", ");
      }
    }
    b.append(s.get("remove").asInt()).append(" to remove, ");
    b.append(s.get("recreate").asInt()).append(" to re-create; ");
    b.append(s.get("restart_pending").asInt()).append(" restart pending.");
    if (s.get("errors").asInt() > 0) {
      b.append(' ')
          .append(s.get("errors").asInt())
          .append(s.get("errors").asInt() == 1 ? " error." : " errors.");
    }
    return b.toString();
  }
}
