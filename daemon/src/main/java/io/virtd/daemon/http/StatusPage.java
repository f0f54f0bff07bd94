package io.virtd.daemon.http;

import io.virtd.core.control.Comparison;
import io.virtd.core.control.ControlReply;
import io.virtd.core.control.DriverState;
import io.virtd.core.control.GuestState;
import io.virtd.core.control.ManifestProblem;
import io.virtd.fleet.FleetView;
import java.util.List;
import java.util.Optional;

/**
 * The status page, rendered here from the control socket's status answer; {@code page.js} keeps its
 * guest table fresh from {@code /api/v1/guests} with the same columns. Every value is escaped.
 */
final class StatusPage {
  private StatusPage() {}

  /** A guest's row class: what an operator has to do about it. */
  static String state(GuestState g) {
    if (g.held()) {
      return "held";
    }
    if (g.failed() || "error".equals(g.lastResult())) {
      return "failed";
    }
    if (g.inSync()) {
      return "in_sync";
    }
    return g.comparison() == Comparison.UNKNOWN ? "unknown" : "drifted";
  }

  static String render(ControlReply reply, Optional<String> unhealthy) {
    return render(reply, unhealthy, "");
  }

  /** The page, with {@code fleetSection} ({@link #fleet}; empty outside fleet mode) at its end. */
  static String render(ControlReply reply, Optional<String> unhealthy, String fleetSection) {
    ControlReply.Status status =
        reply instanceof ControlReply.Status s
            ? s
            : new ControlReply.Status(List.of(), List.of(), List.of());
    StringBuilder b = new StringBuilder(4096);
    b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<title>virtd</title><link rel=\"stylesheet\" href=\"page.css\">")
        .append("<script src=\"page.js\" defer></script></head><body>\n")
        .append("<header><h1>virtd</h1><span id=\"health\" class=\"")
        .append(unhealthy.isPresent() ? "bad" : "ok")
        .append("\">")
        .append(esc(unhealthy.map(w -> "loop not running: " + w).orElse("reconcile loop running")))
        .append("</span> <span id=\"refreshed\"></span></header>\n");
    if (reply instanceof ControlReply.Refused r) {
      b.append("<p class=\"bad\">").append(esc(r.error())).append("</p>");
    }
    b.append("<section><h2>Drivers</h2><ul id=\"drivers\">");
    for (DriverState d : status.drivers()) {
      boolean up = d.up();
      b.append("<li class=\"")
          .append(up ? "in_sync" : "failed")
          .append("\">")
          .append(esc(d.driver()))
          .append(' ')
          .append(esc(d.target()))
          .append(": ")
          .append(up ? "up" : "DOWN")
          .append(" since ")
          .append(esc(d.since()));
      if (d.error() != null) {
        b.append(" (").append(esc(d.error())).append(')');
      }
      b.append("</li>");
    }
    if (status.drivers().isEmpty()) {
      b.append("<li>none checked yet</li>");
    }
    b.append("</ul></section>\n");
    b.append("<div id=\"problemsbox\">");
    if (!status.manifestProblems().isEmpty()) {
      b.append("<section><h2>Manifest problems</h2><ul id=\"problems\">");
      for (ManifestProblem p : status.manifestProblems()) {
        b.append("<li class=\"")
            .append("error".equals(p.severity()) ? "failed" : "drifted")
            .append("\">")
            .append(esc(p.problem()))
            .append("</li>");
      }
      b.append("</ul></section>\n");
    }
    b.append("</div>");
    b.append("<section><h2>Guests</h2>")
        .append("<form id=\"tokenform\" hidden><label>Token for actions ")
        .append("<input id=\"token\" type=\"password\" autocomplete=\"off\"></label> ")
        .append("<button type=\"submit\">Use</button></form>")
        .append("<button id=\"forget\" type=\"button\" hidden>Forget token</button>")
        .append("<p id=\"message\" role=\"status\"></p>")
        .append("<table id=\"guests\"><thead><tr><th>Name</th><th>Hypervisor</th>")
        .append("<th>Desired</th><th>Observed</th><th>What differs</th>")
        .append("<th>State</th><th>Last result</th><th>At</th><th>Retries</th>")
        .append("<th>Addresses</th>")
        .append(
            "<th>Restart pending / last error</th><th class=\"actions\"></th></tr></thead><tbody>");
    for (GuestState g : status.guests()) {
      row(b, g);
    }
    b.append("</tbody></table></section>\n");
    b.append(fleetSection);
    b.append("</body></html>\n");
    return b.toString();
  }

  /**
   * The fleet section: every host up or lost, its guests' counts and last error, then a row per
   * guest, as {@code virtctl fleet status --guests} says them; or why etcd could not be read.
   * {@code page.js} swaps it in again from the page as rendered now.
   */
  static String fleet(List<FleetView.HostView> hosts, Optional<String> unread) {
    StringBuilder b = new StringBuilder(1024);
    b.append("<section id=\"fleet\"><h2>Fleet</h2>");
    if (unread.isPresent()) {
      b.append("<p class=\"bad\">").append(esc(unread.get())).append("</p>");
    } else if (hosts.isEmpty()) {
      b.append("<p>no hosts: nothing pushed and no daemon registered</p>");
    } else {
      b.append("<table id=\"hosts\"><thead><tr><th>Host / guest</th><th>State</th>")
          .append("<th>Guests / observed</th><th>Last error</th></tr></thead>");
      for (FleetView.HostView h : hosts) {
        b.append("<tbody data-host=\"").append(esc(h.host())).append("\">");
        b.append("<tr class=\"host ").append(h.up() ? "in_sync" : "failed").append("\">");
        cell(b, "name", h.host());
        cell(b, "state", h.liveness());
        cell(b, "summary", h.summary());
        cell(b, "detail", h.lastError().orElse(""));
        b.append("</tr>");
        h.guests()
            .forEach(
                (name, g) -> {
                  String category = FleetView.category(g);
                  b.append("<tr class=\"guest ")
                      .append(
                          switch (category) {
                            case "converged" -> "in_sync";
                            case "pending" -> "drifted";
                            default -> category;
                          })
                      .append("\" data-name=\"")
                      .append(esc(name))
                      .append("\">");
                  cell(b, "name", name);
                  cell(b, "state", category);
                  cell(b, "observed", g.path("observed").asText(""));
                  cell(b, "detail", g.path("last_error").asText(""));
                  b.append("</tr>");
                });
        b.append("</tbody>");
      }
      b.append("</table>");
    }
    b.append("</section>\n");
    return b.toString();
  }

  private static void row(StringBuilder b, GuestState g) {
    String state = state(g);
    b.append("<tr class=\"")
        .append(state)
        .append("\" data-name=\"")
        .append(esc(g.name()))
        .append("\">");
    cell(b, "name", g.name());
    cell(b, "hypervisor", g.hypervisor());
    cell(b, "desired", g.desired());
    cell(b, "observed", g.observed());
    cell(b, "differs", differs(g));
    cell(b, "state", state.replace('_', ' '));
    cell(b, "result", g.lastResult());
    cell(b, "at", g.at());
    cell(b, "retries", Integer.toString(g.retries()));
    cell(
        b,
        "addresses",
        g.addresses() == null ? "unknown" : io.virtd.core.spi.GuestAddress.text(g.addresses()));
    StringBuilder detail = new StringBuilder();
    if (!g.restartPending().isEmpty()) {
      detail.append("restart pending: ");
      g.restartPending().forEach(f -> detail.append(f).append(' '));
    }
    if (g.failed()) {
      detail.append(g.lastError());
    }
    cell(b, "detail", detail.toString().strip());
    b.append("<td class=\"actions\"></td></tr>");
  }

  /** {@code field: wanted W, found F}, one per differing field; {@code page.js} says the same. */
  static String differs(GuestState g) {
    StringBuilder b = new StringBuilder();
    for (GuestState.Difference d : g.differs()) {
      if (b.length() > 0) {
        b.append("; ");
      }
      b.append(d.field())
          .append(": wanted ")
          .append(d.wanted())
          .append(", found ")
          .append(d.found());
    }
    return b.toString();
  }

  private static void cell(StringBuilder b, String cls, String text) {
    b.append("<td class=\"").append(cls).append("\">").append(esc(text)).append("</td>");
  }

  /** HTML text and attribute values: the five characters that can end or start markup. */
  static String esc(String s) {
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (char c : s.toCharArray()) {
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
