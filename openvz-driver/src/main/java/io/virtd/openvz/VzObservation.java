package io.virtd.openvz;

import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.spi.GuestAddress;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.RunState;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Turns what was read — {@code CTID.conf}, the container's vzlist entry, virtd's comment lines —
 * into an {@link ObservedVm}, in the types and forms the manifest loader produces, so the planner
 * can compare them with {@code equals}. Pure.
 *
 * <p>{@code persistent} is read from {@code CTID.conf}: it is what the container boots with (vzlist
 * shows a running container's kernel values instead, e.g. {@code cpuunits 3000} as 3012). {@code
 * live} is vzlist's kernel view of a running container — addresses, CPU, memory, beancounters, disk
 * quota — reported in the persistent spelling when it means the same, plus the restart-only values
 * it booted with while a change to them waits for a restart.
 */
final class VzObservation {
  /** {@code MAXCPUUNITS}: the fair scheduler stores {@code weight = 500000 / cpuunits}. */
  static final long MAX_CPUUNITS = 500_000;

  /** The fields vzctl applies only at the next start. */
  static final Set<Field> RESTART_ONLY =
      Set.of(Field.CAPABILITY, Field.FEATURES, Field.IPTABLES, Field.QUOTAUGIDLIMIT);

  private VzObservation() {}

  /** The name virtd knows a container by: its {@code NAME}, or its CTID when it has none. */
  static String nameOf(VzConfigFile conf) {
    return conf.name().orElse(Long.toString(conf.ctid()));
  }

  static RunState state(String vzlistStatus) {
    return switch (vzlistStatus) {
      case "running" -> RunState.RUNNING;
      case "stopped", "mounted" -> RunState.SHUTOFF;
      case "suspended", "paused" -> RunState.PAUSED;
      default -> RunState.NOSTATE;
    };
  }

  static ObservedVm build(VzConfigFile conf, VzList.Entry listed, long listedAtMillis) {
    VzMarkLines lines = VzMarkLines.parse(conf.virtdLines());
    Map<Field, Object> persistent = persistent(conf, lines);
    RunState state = state(listed.status());
    Map<Field, Object> live =
        state == RunState.RUNNING ? live(listed, lines, persistent, listedAtMillis) : Map.of();
    long mem =
        number(live.get(Field.MEMORY)).or(() -> number(persistent.get(Field.MEMORY))).orElse(0L);
    long cpus =
        number(live.get(Field.CPUS)).or(() -> number(persistent.get(Field.CPUS))).orElse(0L);
    return new ObservedVm(nameOf(conf), state, persistent, live, lines.mark(), mem, (int) cpus)
        .withAddresses(Optional.of(state == RunState.RUNNING ? addresses(listed) : List.of()));
  }

  /** A running container's venet addresses as vzlist shows them: its configuration's. */
  static List<GuestAddress> addresses(VzList.Entry e) {
    List<GuestAddress> out = new java.util.ArrayList<>();
    for (String ip : e.ips()) {
      String canon = VzValues.canonIp(ip);
      int slash = canon.indexOf('/');
      String mask = slash < 0 ? "" : canon.substring(slash + 1);
      out.add(
          new GuestAddress(
              "",
              slash < 0 ? canon : canon.substring(0, slash),
              mask.matches("[0-9]{1,3}") ? Integer.parseInt(mask) : -1,
              GuestAddress.Source.CONFIG));
    }
    return out;
  }

  static Map<Field, Object> persistent(VzConfigFile c, VzMarkLines lines) {
    Map<Field, Object> p = new EnumMap<>(Field.class);
    p.put(Field.VIRT_TYPE, VirtType.OPENVZ);
    p.put(Field.ID, c.ctid());
    put(p, Field.OSTEMPLATE, c.get("OSTEMPLATE"));
    put(p, Field.HOSTNAME, c.get("HOSTNAME"));
    put(p, Field.DESC, c.get("DESCRIPTION"));
    List<String> search = VzValues.words(c.get("SEARCHDOMAIN"));
    if (!search.isEmpty()) {
      p.put(Field.SEARCHDOMAIN, String.join(" ", search));
    }
    VzValues.barrierLimit(c.get("PHYSPAGES"), VzValues.PAGE_BYTES)
        .filter(u -> !VzValues.unlimited(u.limit()))
        .ifPresent(u -> p.put(Field.MEMORY, u.limit() * (VzValues.PAGE_BYTES / 1024)));
    VzValues.number(c.get("CPUS"))
        .filter(n -> n > 0 && n <= Integer.MAX_VALUE)
        .ifPresent(n -> p.put(Field.CPUS, n.intValue()));
    for (Field f :
        List.of(
            Field.CPUUNITS, Field.CPULIMIT, Field.IOPRIO, Field.QUOTATIME, Field.QUOTAUGIDLIMIT)) {
      VzValues.number(c.get(f.key().toUpperCase(java.util.Locale.ROOT)))
          .ifPresent(n -> p.put(f, n));
    }
    VzValues.barrierLimit(c.get("DISKSPACE"), 1024)
        .ifPresent(u -> p.put(Field.DISKSPACE, u.barrier()));
    VzValues.barrierLimit(c.get("DISKINODES"), 1)
        .ifPresent(u -> p.put(Field.DISKINODES, u.barrier()));
    p.put(Field.AUTOBOOT, VzValues.yesNo(c.get("ONBOOT")).orElse(false));
    p.put(Field.DISABLED, VzValues.yesNo(c.get("DISABLED")).orElse(false));
    VzValues.yesNo(c.get("NOATIME")).ifPresent(b -> p.put(Field.NOATIME, b));

    Map<Field, List<String>> w = lines.written();
    List<String> ips = VzValues.words(c.get("IP_ADDRESS")).stream().map(VzValues::canonIp).toList();
    p.put(
        Field.IPADDR, asWritten(w.get(Field.IPADDR), ips, x -> sameSet(x, ips, VzValues::canonIp)));
    List<String> ns = VzValues.words(c.get("NAMESERVER"));
    if (!ns.isEmpty() || w.containsKey(Field.NAMESERVER)) {
      p.put(
          Field.NAMESERVER,
          asWritten(
              w.get(Field.NAMESERVER),
              ns,
              x ->
                  x.stream()
                      .map(VzValues::canonIp)
                      .toList()
                      .equals(ns.stream().map(VzValues::canonIp).toList())));
    }
    p.put(Field.FEATURES, onOff(w.get(Field.FEATURES), VzValues.onOff(c.get("FEATURES"))));
    p.put(Field.CAPABILITY, onOff(w.get(Field.CAPABILITY), VzValues.onOff(c.get("CAPABILITY"))));
    List<String> devs =
        VzValues.words(c.get("DEVICES")).stream().map(VzValues::canonDevice).toList();
    p.put(
        Field.DEVICES,
        asWritten(
            w.get(Field.DEVICES),
            devs,
            x -> x.stream().map(VzValues::canonDevice).allMatch(devs::contains)));
    List<String> ipt = VzValues.words(c.get("IPTABLES"));
    p.put(Field.IPTABLES, asWritten(w.get(Field.IPTABLES), ipt, ipt::containsAll));
    Map<String, VzValues.Ubc> ubc = new LinkedHashMap<>();
    for (String n : VzValues.UBC_NAMES) {
      VzValues.barrierLimit(c.get(n.toUpperCase(java.util.Locale.ROOT)), VzValues.ubcDivisor(n))
          .ifPresent(u -> ubc.put(n, u));
    }
    p.put(Field.RESOURCES_PARAMETERS, resources(w.get(Field.RESOURCES_PARAMETERS), ubc));
    p.put(Field.INTERFACES, bridges(c));
    lines.user().ifPresent(u -> p.put(Field.USER, u));
    return p;
  }

  static Map<Field, Object> live(
      VzList.Entry e, VzMarkLines lines, Map<Field, Object> persistent, long listedAtMillis) {
    Map<Field, Object> l = new EnumMap<>(Field.class);
    List<String> ips = e.ips().stream().map(VzValues::ipOnly).toList();
    @SuppressWarnings("unchecked")
    List<String> pIps = (List<String>) persistent.getOrDefault(Field.IPADDR, List.of());
    l.put(Field.IPADDR, sameSet(pIps, ips, VzValues::ipOnly) ? pIps : ips);
    e.cpus().filter(n -> n <= Integer.MAX_VALUE).ifPresent(n -> l.put(Field.CPUS, n.intValue()));
    e.cpuunits()
        .ifPresent(
            u ->
                l.put(
                    Field.CPUUNITS,
                    viaScheduler(u, persistent.get(Field.CPUUNITS), VzObservation::cpuunitsSeen)));
    e.cpulimit()
        .ifPresent(
            u ->
                l.put(
                    Field.CPULIMIT,
                    viaScheduler(u, persistent.get(Field.CPULIMIT), VzObservation::cpulimitSeen)));
    Optional.ofNullable(e.ubc().get("physpages"))
        .filter(u -> !VzValues.unlimited(u.limit()))
        .ifPresent(u -> l.put(Field.MEMORY, u.limit() * (VzValues.PAGE_BYTES / 1024)));
    e.diskspaceSoft().ifPresent(v -> l.put(Field.DISKSPACE, v));
    e.diskinodesSoft().ifPresent(v -> l.put(Field.DISKINODES, v));
    @SuppressWarnings("unchecked")
    List<String> pRes =
        (List<String>) persistent.getOrDefault(Field.RESOURCES_PARAMETERS, List.of());
    if (!pRes.isEmpty()) {
      l.put(Field.RESOURCES_PARAMETERS, resources(pRes, e.ubc()));
    }

    lines
        .pending()
        .ifPresent(
            pend -> {
              double up = e.uptimeSeconds().orElse(Double.MAX_VALUE / 4);
              long bootedAt = listedAtMillis - (long) (up * 1000);
              if (e.uptimeSeconds().isEmpty() || bootedAt < pend.sinceMillis()) {
                pend.booted()
                    .forEach(
                        (f, v) ->
                            l.put(
                                f,
                                f == Field.QUOTAUGIDLIMIT
                                    ? (v.isEmpty() ? 0L : VzValues.number(v.get(0)).orElse(0L))
                                    : v));
              }
            });
    return l;
  }

  /**
   * The kernel's view of a CPU setting, in the config's spelling when it is that value's round
   * trip.
   */
  private static Object viaScheduler(
      long seen, Object configured, java.util.function.LongFunction<Set<Long>> roundTrips) {
    if (configured instanceof Long c && roundTrips.apply(c).contains(seen)) {
      return c;
    }
    return seen;
  }

  /**
   * What vzlist may print for {@code cpuunits c} of a running CT: weight = 500000 / c, and back.
   */
  static Set<Long> cpuunitsSeen(long c) {
    Set<Long> s = new HashSet<>(List.of(c));
    if (c > 0) {
      long weight = Math.max(1, MAX_CPUUNITS / c);
      s.add(Math.round(Math.rint((double) MAX_CPUUNITS / weight)));
      s.add(MAX_CPUUNITS / weight);
    }
    return s;
  }

  /** What vzlist may print for {@code cpulimit c}: the kernel keeps it in 1/1024ths of a CPU. */
  static Set<Long> cpulimitSeen(long c) {
    long rate = c * 1024 / 100;
    return new HashSet<>(List.of(c, Math.round(Math.rint(rate * 100.0 / 1024)), rate * 100 / 1024));
  }

  /** The manifest's spelling when the actual value means the same, else the actual value. */
  private static List<String> asWritten(
      List<String> written, List<String> actual, Predicate<List<String>> equivalent) {
    return written != null && equivalent.test(written) ? written : List.copyOf(actual);
  }

  private static boolean sameSet(
      List<String> a, List<String> b, java.util.function.Function<String, String> canon) {
    return a.stream()
        .map(canon)
        .collect(java.util.stream.Collectors.toSet())
        .equals(b.stream().map(canon).collect(java.util.stream.Collectors.toSet()));
  }

  /**
   * {@code FEATURES}/{@code CAPABILITY}: what counts is the set of names that are on — an {@code
   * off} entry (vzctl keeps one for each name ever switched off) means the same as none. The
   * written list counts as observed when it turns on exactly the names the container has on (vzctl
   * stores names in its own order and case); otherwise every name that is on, as {@code name:on},
   * including names the manifest does not list.
   */
  static List<String> onOff(List<String> written, Map<String, Boolean> actual) {
    Set<String> on = onNames(actual);
    if (written != null && onNames(VzValues.onOff(String.join(" ", written))).equals(on)) {
      return written;
    }
    return on.stream().map(n -> n + ":on").toList();
  }

  private static Set<String> onNames(Map<String, Boolean> entries) {
    Set<String> on = new java.util.LinkedHashSet<>();
    entries.forEach(
        (n, v) -> {
          if (v) {
            on.add(n);
          }
        });
    return on;
  }

  /**
   * {@code resources_parameters}: the written entries when every barrier and limit holds (vzctl
   * writes {@code numproc=240:240} as {@code 240}, {@code unlimited} as LONG_MAX); otherwise the
   * actual values of the beancounters the manifest names (every one set, when none is known).
   */
  private static List<String> resources(List<String> written, Map<String, VzValues.Ubc> actual) {
    if (written != null && !written.isEmpty()) {
      boolean same = true;
      List<String> names = new ArrayList<>();
      for (String entry : written) {
        int eq = entry.indexOf('=');
        String n = entry.substring(0, eq);
        names.add(n);
        Optional<VzValues.Ubc> want = VzValues.barrierLimit(entry.substring(eq + 1), 1);
        same &= want.isPresent() && want.get().equals(actual.get(n));
      }
      if (same) {
        return written;
      }
      return names.stream()
          .filter(actual::containsKey)
          .map(n -> n + "=" + actual.get(n).text())
          .toList();
    }
    List<String> out = new ArrayList<>();
    actual.forEach((n, u) -> out.add(n + "=" + u.text()));
    return out;
  }

  /** The bridge of each veth interface, in {@code NETIF} order ("" for one on no bridge). */
  static List<String> bridges(VzConfigFile c) {
    return netif(c).stream().map(m -> m.getOrDefault("bridge", "")).toList();
  }

  static List<String> ifnames(VzConfigFile c) {
    return netif(c).stream().map(m -> m.getOrDefault("ifname", "")).toList();
  }

  private static List<Map<String, String>> netif(VzConfigFile c) {
    List<Map<String, String>> out = new ArrayList<>();
    String v = c.get("NETIF");
    if (v == null) {
      return out;
    }
    for (String dev : v.split(";")) {
      if (dev.isBlank()) {
        continue;
      }
      Map<String, String> m = new LinkedHashMap<>();
      for (String part : dev.split(",")) {
        int eq = part.indexOf('=');
        if (eq > 0) {
          m.putIfAbsent(part.substring(0, eq), part.substring(eq + 1));
        }
      }
      if (m.containsKey("ifname")) {
        out.add(m);
      }
    }
    return out;
  }

  private static void put(Map<Field, Object> p, Field f, String v) {
    if (v != null && !v.isEmpty()) {
      p.put(f, v);
    }
  }

  private static Optional<Long> number(Object v) {
    return v instanceof Number n ? Optional.of(n.longValue()) : Optional.empty();
  }
}
