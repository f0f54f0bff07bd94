package io.virtd.openvz;

import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.FieldChange;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The argument vectors of every {@code vzctl} and {@code vzlist} call the driver makes, built by
 * pure functions from the manifest's values — never a shell string, so no value can inject an
 * option or a command. Options follow {@code vzctl(8)} of vzctl 4.11; tests assert them as exact
 * lists.
 *
 * @param vzctl the {@code vzctl} program, argv[0]
 * @param vzlist the {@code vzlist} program, argv[0]
 */
public record VzArgs(String vzctl, String vzlist) {
  public static final String USERPASSWD = "--userpasswd";

  /**
   * The fields {@code vzctl create} takes itself; every other one goes to the first {@code set}.
   */
  static final Set<Field> CREATE_OPTIONS =
      Set.of(
          Field.OSTEMPLATE,
          Field.HOSTNAME,
          Field.IPADDR,
          Field.DESC,
          Field.DISKSPACE,
          Field.DISKINODES);

  /**
   * {@code vzctl create CTID [--ostemplate T] [--hostname H] [--ipadd A]... --name NAME
   * [--description D] [--diskspace N] [--diskinodes N]}: disk limits at creation because a ploop
   * container's image is made that size.
   */
  public List<String> create(long ctid, VmSpec spec) {
    List<String> a = new ArrayList<>(List.of(vzctl, "create", Long.toString(ctid)));
    spec.string(Field.OSTEMPLATE).ifPresent(t -> add(a, "--ostemplate", t));
    spec.string(Field.HOSTNAME).ifPresent(h -> add(a, "--hostname", h));
    for (String ip : spec.list(Field.IPADDR)) {
      add(a, "--ipadd", ip);
    }
    add(a, "--name", spec.name());
    spec.string(Field.DESC).ifPresent(d -> add(a, "--description", d));
    spec.get(Field.DISKSPACE).ifPresent(v -> add(a, "--diskspace", num(v)));
    spec.get(Field.DISKINODES).ifPresent(v -> add(a, "--diskinodes", num(v)));
    return a;
  }

  /**
   * The options of the {@code set} that follows {@code create}: every other managed value, and the
   * defaults a new guest gets (512 MiB, one CPU) when the manifest leaves them out.
   */
  public static List<String> afterCreateOptions(VmSpec spec) {
    Map<Field, Object> values = new java.util.EnumMap<>(spec.managed());
    values.putIfAbsent(Field.MEMORY, spec.memoryKiB());
    values.putIfAbsent(Field.CPUS, spec.cpus());
    List<String> a = new ArrayList<>();
    for (var e : values.entrySet()) {
      Field f = e.getKey();
      if (f.kind() == Field.Kind.CREATE_TIME || CREATE_OPTIONS.contains(f)) {
        continue;
      }
      a.addAll(options(f, null, e.getValue(), List.of()));
    }
    return a;
  }

  /** The options that bring the changed fields to their new values, in field order. */
  public static List<String> updateOptions(List<FieldChange> changes, List<String> ifnames) {
    List<String> a = new ArrayList<>();
    changes.stream()
        .sorted(Comparator.comparing(FieldChange::field))
        .forEach(c -> a.addAll(options(c.field(), c.before(), c.after(), ifnames)));
    return a;
  }

  /**
   * The {@code vzctl set} options for one field going from {@code before} (as observed, null when
   * unset) to {@code after}. {@code ifnames} are the container's interface names, in order.
   *
   * @throws IllegalArgumentException for a field {@code vzctl set} cannot change, or a value it
   *     would store differently (memory that is not whole pages)
   */
  public static List<String> options(Field f, Object before, Object after, List<String> ifnames) {
    List<String> a = new ArrayList<>();
    switch (f) {
      case DESC -> add(a, "--description", after.toString());
      case MEMORY -> add(a, "--ram", ram(((Number) after).longValue()));
      case CPUS -> add(a, "--cpus", num(after));
      case AUTOBOOT -> add(a, "--onboot", yesNo(after));
      case HOSTNAME -> add(a, "--hostname", after.toString());
      case USER -> add(a, USERPASSWD, after.toString());
      case IPADDR -> a.addAll(ipOptions(strings(before), strings(after)));
      case NAMESERVER -> {
        if (strings(after).isEmpty() && !strings(before).isEmpty()) {
          throw new IllegalArgumentException(
              "vzctl cannot remove every nameserver; list at least one");
        }
        strings(after).forEach(n -> add(a, "--nameserver", n));
      }
      case SEARCHDOMAIN -> add(a, "--searchdomain", after.toString());
      case CPUUNITS -> add(a, "--cpuunits", num(after));
      case CPULIMIT -> add(a, "--cpulimit", num(after));
      case IOPRIO -> add(a, "--ioprio", num(after));
      case DISKSPACE -> add(a, "--diskspace", num(after));
      case DISKINODES -> add(a, "--diskinodes", num(after));
      case QUOTATIME -> add(a, "--quotatime", num(after));
      case QUOTAUGIDLIMIT -> add(a, "--quotaugidlimit", num(after));
      case NOATIME -> add(a, "--noatime", yesNo(after));
      case FEATURES -> joined(a, "--features", onOffOptions(strings(before), strings(after)));
      case CAPABILITY -> joined(a, "--capability", onOffOptions(strings(before), strings(after)));
      case DEVICES -> strings(after).forEach(d -> add(a, "--devices", d));
      case IPTABLES -> joined(a, "--iptables", strings(after));
      case RESOURCES_PARAMETERS -> {
        for (String p : strings(after)) {
          int eq = p.indexOf('=');
          add(a, "--" + p.substring(0, eq), p.substring(eq + 1));
        }
      }
      case DISABLED -> add(a, "--disabled", yesNo(after));
      case INTERFACES -> a.addAll(netifOptions(strings(before), strings(after), ifnames));
      default ->
          throw new IllegalArgumentException("`" + f.key() + "` is not changed with `vzctl set`");
    }
    return a;
  }

  /**
   * The {@code name:on|off} entries of {@code --features}/{@code --capability}: vzctl merges them
   * into what is stored and has no "clear", so every name that is on in {@code before} and that
   * {@code after} no longer lists is switched off with {@code name:off}, after {@code after}'s own
   * entries. Names are compared case-insensitively, as vzctl stores capabilities upper-cased.
   */
  static List<String> onOffOptions(List<String> before, List<String> after) {
    List<String> out = new ArrayList<>(after);
    Set<String> listed = VzValues.onOff(String.join(" ", after)).keySet();
    VzValues.onOff(String.join(" ", before))
        .forEach(
            (name, on) -> {
              if (on && !listed.contains(name)) {
                out.add(name + ":off");
              }
            });
    return out;
  }

  /**
   * {@code --ipdel} for the addresses that go, {@code --ipadd} for the ones that come; addresses
   * compared as vzctl stores them, so {@code 2001:DB8::1} and {@code 2001:db8::1} are one address.
   */
  static List<String> ipOptions(List<String> before, List<String> after) {
    Set<String> was = new LinkedHashSet<>();
    before.forEach(b -> was.add(VzValues.canonIp(b)));
    Set<String> will = new LinkedHashSet<>();
    after.forEach(x -> will.add(VzValues.canonIp(x)));
    List<String> a = new ArrayList<>();
    for (String b : was) {
      if (!will.contains(b)) {
        add(a, "--ipdel", b);
      }
    }
    for (String x : after) {
      if (!was.contains(VzValues.canonIp(x))) {
        add(a, "--ipadd", x);
      }
    }
    return a;
  }

  /**
   * veth interfaces, one per bridge, in order: {@code --netif_add IFNAME,,,,BRIDGE} for a new one
   * or one whose bridge changes (vzctl merges it into the existing device), {@code --netif_del
   * IFNAME} for those beyond the list. A new interface is called {@code ethN}: N its position, or
   * the next number not in use.
   */
  static List<String> netifOptions(List<String> before, List<String> after, List<String> ifnames) {
    List<String> a = new ArrayList<>();
    Set<String> used = new LinkedHashSet<>(ifnames);
    for (int i = 0; i < after.size(); i++) {
      if (i < before.size() && before.get(i).equals(after.get(i))) {
        continue;
      }
      String ifname;
      if (i < ifnames.size()) {
        ifname = ifnames.get(i);
      } else {
        int n = i;
        while (used.contains("eth" + n)) {
          n++;
        }
        ifname = "eth" + n;
        used.add(ifname);
      }
      add(a, "--netif_add", ifname + ",,,," + after.get(i));
    }
    for (int i = after.size(); i < Math.min(before.size(), ifnames.size()); i++) {
      add(a, "--netif_del", ifnames.get(i));
    }
    return a;
  }

  /** {@code vzctl set CTID OPTIONS... --save}: one call for all changes (Puppet's flush). */
  public List<String> set(long ctid, List<String> options) {
    List<String> a = new ArrayList<>(List.of(vzctl, "set", Long.toString(ctid)));
    a.addAll(options);
    a.add("--save");
    return a;
  }

  public List<String> start(long ctid) {
    return List.of(vzctl, "start", Long.toString(ctid));
  }

  /**
   * A clean shutdown: vzctl asks the container's init to halt, then kills it after its own timeout.
   */
  public List<String> stop(long ctid) {
    return List.of(vzctl, "stop", Long.toString(ctid));
  }

  /** Forced off at once. */
  public List<String> kill(long ctid) {
    return List.of(vzctl, "stop", Long.toString(ctid), "--fast");
  }

  public List<String> umount(long ctid) {
    return List.of(vzctl, "umount", Long.toString(ctid));
  }

  public List<String> destroy(long ctid) {
    return List.of(vzctl, "destroy", Long.toString(ctid));
  }

  /** Restores a suspended (checkpointed) container. */
  public List<String> resume(long ctid) {
    return List.of(vzctl, "resume", Long.toString(ctid));
  }

  /** Every container (or one) in one call, as JSON. */
  public List<String> listJson(java.util.OptionalLong ctid) {
    List<String> a = new ArrayList<>(List.of(vzlist, "-a", "-j", "-o", VzList.jsonFields()));
    ctid.ifPresent(c -> a.add(Long.toString(c)));
    return a;
  }

  /** The same as columns, for a vzlist without {@code -j}. */
  public List<String> listColumns(java.util.OptionalLong ctid) {
    List<String> a =
        new ArrayList<>(List.of(vzlist, "-a", "-H", "-t", "-o", VzList.columnFields()));
    ctid.ifPresent(c -> a.add(Long.toString(c)));
    return a;
  }

  /** {@code --ram} in KiB; it must be whole 4 KiB pages, or vzctl would store a rounded value. */
  static String ram(long kib) {
    if (kib % (VzValues.PAGE_BYTES / 1024) != 0) {
      throw new IllegalArgumentException(
          "memory must be a whole number of 4 KiB pages for OpenVZ, not " + kib + " KiB");
    }
    return kib + "K";
  }

  private static void joined(List<String> a, String opt, List<String> values) {
    if (!values.isEmpty()) {
      add(a, opt, String.join(",", values));
    }
  }

  private static void add(List<String> a, String opt, String value) {
    a.add(opt);
    a.add(value);
  }

  private static String num(Object v) {
    return Long.toString(((Number) v).longValue());
  }

  private static String yesNo(Object v) {
    return Boolean.TRUE.equals(v) ? "yes" : "no";
  }

  @SuppressWarnings("unchecked")
  private static List<String> strings(Object v) {
    return v == null ? List.of() : (List<String>) v;
  }
}
