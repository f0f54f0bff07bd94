package io.virtd.daemon.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.virtd.cli.StatusCheck;
import java.util.Optional;

/**
 * The status page, rendered here from the control socket's status answer; {@code page.js} keeps its
 * guest table fresh from {@code /api/v1/guests} with the same columns. Every value is escaped.
 */
final class StatusPage {
  private StatusPage() {}

  /** A guest's row class: what an operator has to do about it. */
  static String state(JsonNode g) {
    if (g.path("held").asBoolean()) {
      return "held";
    }
    if (!g.path("last_error").asText("").isEmpty()
        || "error".equals(g.path("last_result").asText())) {
      return "failed";
    }
    if (StatusCheck.inSync(g)) {
      return "in_sync";
    }
    return g.path("observed").asText().startsWith("unknown") ? "unknown" : "drifted";
  }

  static String render(JsonNode status, Optional<String> unhealthy) {
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
    if (!status.path("ok").asBoolean(true)) {
      b.append("<p class=\"bad\">").append(esc(status.path("error").asText())).append("</p>");
    }
    b.append("<section><h2>Drivers</h2><ul id=\"drivers\">");
    for (JsonNode d : status.path("drivers")) {
      boolean up = d.path("up").asBoolean();
      b.append("<li class=\"")
          .append(up ? "in_sync" : "failed")
          .append("\">")
          .append(esc(d.path("driver").asText()))
          .append(' ')
          .append(esc(d.path("target").asText()))
          .append(": ")
          .append(up ? "up" : "DOWN")
          .append(" since ")
          .append(esc(d.path("since").asText()));
      if (d.path("error").isTextual()) {
        b.append(" (").append(esc(d.path("error").asText())).append(')');
      }
      b.append("</li>");
    }
    if (status.path("drivers").isEmpty()) {
      b.append("<li>none checked yet</li>");
    }
    b.append("</ul></section>\n");
    b.append("<div id=\"problemsbox\">");
    if (!status.path("manifest_problems").isEmpty()) {
      b.append("<section><h2>Manifest problems</h2><ul id=\"problems\">");
      for (JsonNode p : status.path("manifest_problems")) {
        b.append("<li class=\"")
            .append("error".equals(p.path("severity").asText()) ? "failed" : "drifted")
            .append("\">")
            .append(esc(p.path("problem").asText()))
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
        .append(
            "<th>Restart pending / last error</th><th class=\"actions\"></th></tr></thead><tbody>");
    for (JsonNode g : status.path("guests")) {
      row(b, g);
    }
    b.append("</tbody></table></section>\n</body></html>\n");
    return b.toString();
  }

  private static void row(StringBuilder b, JsonNode g) {
    String state = state(g);
    b.append("<tr class=\"")
        .append(state)
        .append("\" data-name=\"")
        .append(esc(g.path("name").asText()))
        .append("\">");
    cell(b, "name", g.path("name").asText());
    cell(b, "hypervisor", g.path("hypervisor").asText());
    cell(b, "desired", g.path("desired").asText());
    cell(b, "observed", g.path("observed").asText());
    cell(b, "differs", differs(g));
    cell(b, "state", state.replace('_', ' '));
    cell(b, "result", g.path("last_result").asText());
    cell(b, "at", g.path("at").asText());
    cell(b, "retries", g.path("retries").asText());
    StringBuilder detail = new StringBuilder();
    if (!g.path("restart_pending").isEmpty()) {
      detail.append("restart pending: ");
      g.path("restart_pending").forEach(f -> detail.append(f.asText()).append(' '));
    }
    if (!g.path("last_error").asText("").isEmpty()) {
      detail.append(g.path("last_error").asText());
    }
    cell(b, "detail", detail.toString().strip());
    b.append("<td class=\"actions\"></td></tr>");
  }

  /** {@code field: wanted W, found F}, one per differing field; {@code page.js} says the same. */
  static String differs(JsonNode g) {
    StringBuilder b = new StringBuilder();
    for (JsonNode d : g.path("differs")) {
      if (b.length() > 0) {
        b.append("; ");
      }
      b.append(d.path("field").asText())
          .append(": wanted ")
          .append(d.path("wanted").asText())
          .append(", found ")
          .append(d.path("found").asText());
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
