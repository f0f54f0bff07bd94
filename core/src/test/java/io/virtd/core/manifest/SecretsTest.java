package io.virtd.core.manifest;

import static io.virtd.core.manifest.Manifests.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code user} and {@code vnc_password} are never printed: whatever is wrong with a manifest that
 * holds one, no problem's text contains it.
 */
class SecretsTest {
  /** Recognisable in any message; the digits one is for a password YAML reads as a number. */
  static final String SECRET = "Pa55-SECRET-zq";

  static final String DIGITS = "73312468";

  static Stream<Arguments> leaks() {
    String ovz = "virt: ct101\nvirt_type: openvz\n";
    String kvm = "virt: web01\nvirt_type: kvm\n";
    return Stream.of(
        Arguments.of("user without a colon", ovz + "user: " + SECRET + "\n", "`user`"),
        Arguments.of("user with an empty password", ovz + "user: \"" + SECRET + ":\"\n", "`user`"),
        Arguments.of("user as a list", ovz + "user: [\"root:" + SECRET + "\"]\n", "`user`"),
        Arguments.of("user as a map", ovz + "user: {root: " + SECRET + "}\n", "`user`"),
        Arguments.of("user with a newline", ovz + "user: \"root:" + SECRET + "\\nx\"\n", "`user`"),
        Arguments.of("user with a NUL", ovz + "user: \"root:" + SECRET + "\\0\"\n", "`user`"),
        Arguments.of(
            "user on a libvirt guest",
            kvm + "user: root:" + SECRET + "\n",
            "`user` is not supported by the libvirt driver"),
        Arguments.of(
            "vnc_password on an OpenVZ container",
            ovz + "vnc_password: " + SECRET + "\n",
            "`vnc_password`"), // too long for VNC, and not an OpenVZ key: either error will do
        Arguments.of(
            "vnc_password with a newline",
            kvm + "vnc_password: \"" + SECRET + "\\n" + SECRET + "\"\n",
            "`vnc_password`"),
        Arguments.of(
            "vnc_password as a list", kvm + "vnc_password: [" + SECRET + "]\n", "`vnc_password`"),
        Arguments.of(
            "vnc_password as a map", kvm + "vnc_password: {" + SECRET + ": x}\n", "`vnc_password`"),
        Arguments.of(
            "vnc_password written twice",
            kvm + "vnc_password: a" + SECRET + "\nvnc_password: " + SECRET + "\n",
            "duplicate key `vnc_password`"),
        Arguments.of(
            "user written twice",
            ovz + "user: root:a" + SECRET + "\nuser: root:" + SECRET + "\n",
            "duplicate key `user`"),
        Arguments.of(
            "unclosed quote in vnc_password",
            kvm + "vnc_password: \"" + SECRET + "\nmemory: 1g\n",
            "YAML syntax error"),
        Arguments.of(
            "unclosed quote in user", ovz + "user: 'root:" + SECRET + "\n", "YAML syntax error"),
        Arguments.of(
            "colon-space inside vnc_password",
            kvm + "vnc_password: " + SECRET + ": x\n",
            "YAML syntax error"),
        Arguments.of(
            "user then a bad indent",
            ovz + "user: root:" + SECRET + "\n  cpus: 2\n",
            "YAML syntax error"),
        Arguments.of(
            "tab before vnc_password",
            kvm + "\tvnc_password: " + SECRET + "\n",
            "YAML syntax error"),
        Arguments.of(
            "a list item after vnc_password",
            kvm + "vnc_password: " + SECRET + "\n- x\n",
            "YAML syntax error"),
        Arguments.of(
            "a bad escape in vnc_password",
            kvm + "vnc_password: \"" + SECRET + "\\q\"\n",
            "YAML syntax error"),
        Arguments.of(
            "vnc_password in a flow map with a bad key",
            "{virt: web01, virt_type: kvm, vnc_password: " + SECRET + ", cpus: 0}\n",
            "`cpus`"),
        Arguments.of(
            "vnc_password with a typo in the key",
            kvm + "vnc_pasword: " + SECRET + "\n",
            "unknown key `vnc_pasword`; did you mean `vnc_password`?"),
        Arguments.of(
            "user with a typo in the key", ovz + "usr: root:" + SECRET + "\n", "unknown key `usr`"),
        Arguments.of(
            "user in a resource without virt_type",
            "virt: ct101\nuser: root:" + SECRET + "\n",
            "has no `virt_type`"),
        Arguments.of(
            "user in a resource with a bad name",
            "virt: ../ct101\nvirt_type: openvz\nuser: root:" + SECRET + "\n",
            "not a valid resource name"),
        Arguments.of(
            "vnc_password, then again as a boolean",
            kvm + "vnc_password: " + SECRET + "\nvnc_password: yes\n",
            "duplicate key"),
        Arguments.of(
            "vnc_password before virt",
            "vnc_password: " + SECRET + "\nvirt: web01\n",
            "a resource must start with `virt: NAME`"),
        Arguments.of(
            "digits vnc_password on OpenVZ",
            ovz + "vnc_password: " + DIGITS + "\n",
            "`vnc_password` is not supported"),
        Arguments.of("digits in user, as a list", ovz + "user: [" + DIGITS + "]\n", "`user`"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("leaks")
  void noProblemQuotesTheSecret(String what, String manifest, String expected, @TempDir Path dir)
      throws Exception {
    Path f = write(dir, "m.yaml", manifest);
    DesiredState s = new ManifestLoader(ManifestLoader.Permissions.REFUSE).load(f);
    assertTrue(s.hasErrors(), () -> what + ": expected an error");
    assertTrue(
        s.problems().stream().anyMatch(p -> p.message().contains(expected)),
        () -> what + ": no problem says `" + expected + "`: " + s.problems());
    for (Problem p : s.problems()) {
      String text = p.toString();
      assertFalse(text.contains(SECRET), () -> what + ": secret printed in " + text);
      assertFalse(text.contains("SECRET"), () -> what + ": part of the secret printed in " + text);
      assertFalse(text.contains(DIGITS), () -> what + ": secret printed in " + text);
    }
  }

  @Test
  void aSecretInANonUtf8FileIsNotPrinted(@TempDir Path dir) throws Exception {
    byte[] text =
        ("virt: web01\nvirt_type: kvm\nvnc_password: " + SECRET + "\u00e9\n")
            .getBytes(StandardCharsets.ISO_8859_1);
    Path f = write(dir, "m.yaml", text);
    DesiredState s = new ManifestLoader(ManifestLoader.Permissions.REFUSE).load(f);
    assertEquals(1, s.problems().size());
    assertFalse(s.problems().get(0).toString().contains(SECRET));
  }

  @Test
  void validSecretsAreKeptButNotInTheSpecsText(@TempDir Path dir) throws Exception {
    Path f = write(dir, "m.yaml", "virt: ct101\nvirt_type: openvz\nuser: root:" + SECRET + "\n");
    DesiredState s = new ManifestLoader(ManifestLoader.Permissions.REFUSE).load(f);
    assertEquals(java.util.List.of(), s.problems());
    assertEquals("root:" + SECRET, s.get("ct101").orElseThrow().values().get(Field.USER));
    assertTrue(Field.USER.secret());
    assertTrue(Field.VNC_PASSWORD.secret());
    assertEquals(
        java.util.Set.of(Field.USER, Field.VNC_PASSWORD, Field.USER_DATA),
        Stream.of(Field.values())
            .filter(Field::secret)
            .collect(java.util.stream.Collectors.toSet()),
        "the spec's secrets: user, vnc_password, and user_data (cloud-config sets passwords)");
  }
}
