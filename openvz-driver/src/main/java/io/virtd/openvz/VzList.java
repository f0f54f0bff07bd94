package io.virtd.openvz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one {@code vzlist -a} call tells about every container: its state and, for a running one,
 * the kernel's values (addresses without masks, CPU settings through the fair scheduler,
 * beancounters, disk quota) and its uptime. Only fields that hold no free text are asked for:
 * vzlist does not escape strings in JSON, so a quote in a description would break the document —
 * names, host names and descriptions are read from {@code CTID.conf} instead.
 */
public final class VzList {
  private static final ObjectMapper JSON = new ObjectMapper();

  private VzList() {}

  /** One container as vzlist lists it. Absent values were not printed ({@code -}, {@code null}). */
  public record Entry(
      long ctid,
      String status,
      List<String> ips,
      Optional<Long> cpus,
      Optional<Long> cpuunits,
      Optional<Long> cpulimit,
      Map<String, VzValues.Ubc> ubc,
      Optional<Long> diskspaceSoft,
      Optional<Long> diskinodesSoft,
      Optional<Double> uptimeSeconds) {
    public Entry {
      ips = List.copyOf(ips);
      ubc = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(ubc));
    }

    public boolean running() {
      return "running".equals(status);
    }
  }

  /** The {@code -o} list of the JSON call. */
  static String jsonFields() {
    List<String> f =
        new ArrayList<>(List.of("ctid", "status", "ip", "cpus", "cpuunits", "cpulimit"));
    f.addAll(VzValues.UBC_NAMES);
    f.addAll(List.of("diskspace", "diskinodes", "uptime"));
    return String.join(",", f);
  }

  /**
   * The {@code -o} list of the column call (vzlist without {@code -j}): one word per column, the
   * address list last because it is the only one with blanks in it.
   */
  static String columnFields() {
    List<String> f =
        new ArrayList<>(List.of("ctid", "status", "cpus", "cpuunits", "cpulimit", "uptime"));
    for (String n : VzValues.UBC_NAMES) {
      f.add(n + ".b");
      f.add(n + ".l");
    }
    f.addAll(List.of("diskspace.s", "diskinodes.s", "ip"));
    return String.join(",", f);
  }

  /** Whether vzlist refused {@code -j} (a vzlist older than JSON output), so columns must do. */
  static boolean jsonRejected(VzResult r) {
    return r.exit() != 0
        && (r.stderr().contains("invalid option -- 'j'")
            || r.stderr().contains("unrecognized option '--json'")
            || r.stderr().contains("invalid option -- j"));
  }

  /** Whether vzlist printed an empty JSON list (its answer when no container asked for exists). */
  static boolean isEmptyJson(String text) {
    try {
      JsonNode root = JSON.readTree(text);
      return root != null && root.isArray() && root.isEmpty();
    } catch (java.io.IOException e) {
      return false;
    }
  }

  static List<Entry> parseJson(String text) {
    JsonNode root;
    try {
      root = JSON.readTree(text.isBlank() ? "[]" : text);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(
          "vzlist printed something that is not JSON: " + e.getMessage(), e);
    }
    List<Entry> out = new ArrayList<>();
    for (JsonNode ct : root) {
      List<String> ips = new ArrayList<>();
      ct.path("ip").forEach(n -> ips.add(n.asText()));
      Map<String, VzValues.Ubc> ubc = new LinkedHashMap<>();
      for (String n : VzValues.UBC_NAMES) {
        JsonNode u = ct.path(n);
        if (u.isObject()) {
          ubc.put(n, new VzValues.Ubc(u.path("barrier").asLong(), u.path("limit").asLong()));
        }
      }
      out.add(
          new Entry(
              ct.path("ctid").asLong(),
              ct.path("status").asText(""),
              ips,
              positive(ct.path("cpus")),
              number(ct.path("cpuunits")),
              number(ct.path("cpulimit")),
              ubc,
              number(ct.path("diskspace").path("softlimit")),
              number(ct.path("diskinodes").path("softlimit")),
              ct.path("uptime").isNumber()
                  ? Optional.of(ct.path("uptime").asDouble())
                  : Optional.empty()));
    }
    return out;
  }

  private static Optional<Long> number(JsonNode n) {
    return n.isIntegralNumber() ? Optional.of(n.asLong()) : Optional.empty();
  }

  private static Optional<Long> positive(JsonNode n) {
    return number(n).filter(v -> v > 0); // vzlist prints 0 cpus for "not set" in JSON
  }

  private static final Pattern UPTIME = Pattern.compile("([0-9]+)d([0-9]+)h:([0-9]+)m:([0-9]+)s");

  /** Lines of {@code vzlist -a -H -t -o columnFields()}. */
  static List<Entry> parseColumns(String text) {
    List<Entry> out = new ArrayList<>();
    int nUbc = VzValues.UBC_NAMES.size();
    for (String line : text.split("\n")) {
      String[] w = line.strip().split(" +");
      int fixed = 6 + 2 * nUbc + 2;
      if (w.length < fixed || !w[0].matches("[0-9]+")) {
        continue;
      }
      Map<String, VzValues.Ubc> ubc = new LinkedHashMap<>();
      for (int i = 0; i < nUbc; i++) {
        Optional<Long> b = dash(w[6 + 2 * i]);
        Optional<Long> l = dash(w[7 + 2 * i]);
        if (b.isPresent() && l.isPresent()) {
          ubc.put(VzValues.UBC_NAMES.get(i), new VzValues.Ubc(b.get(), l.get()));
        }
      }
      List<String> ips = new ArrayList<>();
      for (int i = fixed; i < w.length; i++) {
        if (!w[i].equals("-")) {
          ips.add(w[i]);
        }
      }
      Matcher up = UPTIME.matcher(w[5]);
      Optional<Double> uptime =
          up.matches()
              ? Optional.of(
                  Long.parseLong(up.group(1)) * 86400.0
                      + Long.parseLong(up.group(2)) * 3600.0
                      + Long.parseLong(up.group(3)) * 60.0
                      + Long.parseLong(up.group(4)))
              : Optional.empty();
      out.add(
          new Entry(
              Long.parseLong(w[0]),
              w[1],
              ips,
              dash(w[2]).filter(v -> v > 0),
              dash(w[3]),
              dash(w[4]),
              ubc,
              dash(w[6 + 2 * nUbc]),
              dash(w[7 + 2 * nUbc]),
              uptime));
    }
    return out;
  }

  private static Optional<Long> dash(String s) {
    return s.matches("[0-9]{1,19}") ? VzValues.number(s) : Optional.empty();
  }
}
