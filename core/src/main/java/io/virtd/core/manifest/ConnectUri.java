package io.virtd.core.manifest;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The libvirt URIs a manifest may name in {@code connect:}. Manifests are untrusted input read by
 * root, and a libvirt URI can make root run a program ({@code qemu+ext://?command=}, {@code
 * ?netcat=}, {@code ?proxy=}), use a key or file ({@code ?keyfile=}, {@code ?pkipath=}, {@code
 * ?socket=}, {@code test:///etc/shadow}), or trust a host less ({@code ?no_verify=1}). So a
 * manifest gets an allow-list: the drivers qemu, xen and test; the transports none, unix, ssh and
 * tls; a plain host name, user and port; the driver's usual paths; and only the parameter {@code
 * no_tty}. Anything else is for the configuration, which only root writes (its {@code connect} and
 * {@code connect_xen} keys take any URI).
 *
 * <p>The check is a whole-string match over a small alphabet (no percent-escapes, no spaces), so
 * that libvirt's own URI parser cannot read anything other than what was checked.
 */
public final class ConnectUri {
  private ConnectUri() {}

  /** The paths each driver may have: its daemon's usual instances, never a file. */
  static final Map<String, Set<String>> PATHS =
      Map.of(
          "qemu", Set.of("/system", "/session"),
          "xen", Set.of("/system", "/", ""),
          "test", Set.of("/default"));

  static final Set<String> TRANSPORTS = Set.of("", "unix", "ssh", "tls");

  /** Transports a manifest may not use, with why (the message names the reason). */
  private static final Map<String, String> REFUSED_TRANSPORTS =
      Map.of(
          "ext", "it runs a program named in the URI",
          "tcp", "it is unencrypted and would hand root's SASL credentials to the host named",
          "libssh", "it takes keys, known-hosts files and passwords from URI parameters",
          "libssh2", "it takes keys, known-hosts files and passwords from URI parameters");

  private static final Pattern SHAPE =
      Pattern.compile(
          "(?<driver>[a-z0-9]+)(?:\\+(?<transport>[a-z0-9]+))?://"
              + "(?:(?<user>[^@/?#]*)@)?(?<host>\\[[^\\]/?#]*\\]|[^:/?#]*)(?::(?<port>[^/?#]*))?"
              + "(?<path>/[^?#]*)?(?:\\?(?<query>[^#]*))?(?<fragment>#.*)?");
  private static final Pattern USER = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,63}");
  private static final Pattern HOST =
      Pattern.compile(
          "([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
              + "|\\[[0-9A-Fa-f:.]{2,45}\\]");
  private static final Pattern PORT = Pattern.compile("[1-9][0-9]{0,4}");
  private static final Pattern PARAM = Pattern.compile("no_tty=[01]");

  /**
   * Why a manifest may not name {@code uri}, or empty when it may. The reason is a phrase that
   * follows "`connect`: " and quotes at most a component of the URI.
   */
  public static Optional<String> refusal(String uri) {
    Matcher m = SHAPE.matcher(uri);
    if (!m.matches()) {
      return Optional.of(
          "`" + Values.describeText(uri) + "` is not a libvirt URI such as qemu:///system");
    }
    String driver = m.group("driver");
    String transport = m.group("transport") == null ? "" : m.group("transport");
    if (!PATHS.containsKey(driver)) {
      return Optional.of(
          "driver `"
              + Values.describeText(driver)
              + "` is not allowed in a manifest: use qemu, xen or test");
    }
    if (!TRANSPORTS.contains(transport)) {
      String why = REFUSED_TRANSPORTS.getOrDefault(transport, "it is not one of unix, ssh, tls");
      return Optional.of(
          "transport `"
              + Values.describeText(transport)
              + "` is not allowed in a manifest ("
              + why
              + "); only the configuration may name it");
    }
    String query = m.group("query");
    if (query != null) {
      for (String param : query.split("[&;]", -1)) {
        if (!PARAM.matcher(param).matches()) {
          String name = param.contains("=") ? param.substring(0, param.indexOf('=')) : param;
          return Optional.of(
              "URI parameter `"
                  + Values.describeText(name)
                  + "` is not allowed in a manifest (only no_tty=0 or 1 is): parameters can"
                  + " name a program, a key or a file, or weaken host checks; only the"
                  + " configuration may use them");
        }
      }
    }
    if (m.group("fragment") != null) {
      return Optional.of("a URI fragment (`#...`) is not allowed in a manifest");
    }
    String user = m.group("user");
    String host = m.group("host");
    String port = m.group("port");
    boolean remote = !host.isEmpty() || user != null || port != null;
    if (remote && transport.equals("unix")) {
      return Optional.of("transport `unix` takes no host, user or port");
    }
    if (remote && driver.equals("test")) {
      return Optional.of("the test driver takes no host, user or port: use test:///default");
    }
    if (user != null && !USER.matcher(user).matches()) {
      return Optional.of("`" + Values.describeText(user) + "` is not a user name");
    }
    if (!host.isEmpty() && !HOST.matcher(host).matches()) {
      return Optional.of("`" + Values.describeText(host) + "` is not a host name");
    }
    if (port != null && !(PORT.matcher(port).matches() && Integer.parseInt(port) <= 65535)) {
      return Optional.of("`" + Values.describeText(port) + "` is not a port (1 to 65535)");
    }
    if (host.isEmpty() && (transport.equals("ssh") || transport.equals("tls"))) {
      return Optional.of(
          "transport `" + transport + "` needs a host, as in qemu+ssh://host/system");
    }
    String path = m.group("path") == null ? "" : m.group("path");
    if (!PATHS.get(driver).contains(path)) {
      return Optional.of(
          "path `"
              + Values.describeText(path)
              + "` is not allowed for the "
              + driver
              + " driver in a manifest: use "
              + String.join(
                  " or ", PATHS.get(driver).stream().filter(p -> !p.isEmpty()).sorted().toList()));
    }
    return Optional.empty();
  }
}
