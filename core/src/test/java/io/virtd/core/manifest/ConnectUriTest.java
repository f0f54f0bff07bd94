package io.virtd.core.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConnectUriTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "qemu:///system",
        "qemu:///session",
        "qemu+unix:///system",
        "qemu+ssh://kvm01/system",
        "qemu+ssh://root@kvm01.example.org:2222/system",
        "qemu+ssh://admin@[2001:db8::1]/system?no_tty=1",
        "qemu+tls://kvm01.example.org/system",
        "qemu://kvm01/system",
        "xen:///system",
        "xen:///",
        "xen+ssh://dom0/system",
        "test:///default"
      })
  void aManifestMayNameTheUsualUris(String uri) {
    assertEquals(Optional.empty(), ConnectUri.refusal(uri));
  }

  /** Each refused URI and a word its reason must name (the component refused). */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "qemu+ext:///system?command=/tmp/x.sh|transport `ext`",
        "qemu+ssh://h/system?command=/tmp/x.sh|parameter `command`",
        "qemu+ssh://h/system?netcat=/tmp/nc|parameter `netcat`",
        "qemu+ssh://h/system?proxy=native|parameter `proxy`",
        "qemu+ssh://h/system?keyfile=/root/.ssh/id_rsa|parameter `keyfile`",
        "qemu+ssh://h/system?no_verify=1|parameter `no_verify`",
        "qemu+ssh://h/system?known_hosts=/tmp/k|parameter `known_hosts`",
        "qemu+ssh://h/system?sshauth=password|parameter `sshauth`",
        "qemu+ssh://h/system?no_tty=1&name=qemu:///system|parameter `name`",
        "qemu+ssh://h/system?no_tty=1;socket=/tmp/s|parameter `socket`",
        "qemu+ssh://h/system?%63ommand=/tmp/x|parameter `%63ommand`",
        "qemu+unix:///system?socket=/tmp/evil.sock|parameter `socket`",
        "qemu+tls://h/system?pkipath=/tmp/pki|parameter `pkipath`",
        "qemu+tls://h/system?tls_priority=NONE|parameter `tls_priority`",
        "qemu:///embed?root=/tmp/x|parameter `root`",
        "qemu:///embed|path `/embed`",
        "qemu+tcp://h/system|transport `tcp`",
        "qemu+libssh2://h/system|transport `libssh2`",
        "qemu+libssh://h/system|transport `libssh`",
        "qemu+foo:///system|transport `foo`",
        "lxc:///system|driver `lxc`",
        "vbox:///session|driver `vbox`",
        "test:///etc/shadow|path `/etc/shadow`",
        "test:///default/../../etc/shadow|path",
        "test://h/default|takes no host",
        "qemu+unix://h/system|takes no host",
        "qemu+ssh://-oProxyCommand=x/system|`-oProxyCommand=x` is not a host name",
        "qemu+ssh://-l@h/system|`-l` is not a user name",
        "qemu+ssh:///system|needs a host",
        "qemu+ssh://h:0/system|not a port",
        "qemu+ssh://h/system#x|fragment",
        "QEMU:///system|not a libvirt URI",
        "qemu:system|not a libvirt URI",
        "qemu:///system?|parameter ``",
        "qemu:///sys%74em|path",
        "qemu:///system\u202e|path"
      })
  void aManifestMayNotNameAProgramAKeyOrAFile(String uri, String reason) {
    Optional<String> why = ConnectUri.refusal(uri);
    assertTrue(why.isPresent(), uri);
    assertTrue(why.get().contains(reason), uri + ": " + why.get());
  }

  @Test
  void theReasonHidesControlCharacters() {
    String why = ConnectUri.refusal("qemu+\u001b[2J:///system").orElseThrow();
    assertTrue(!why.contains("\u001b"), why);
  }

  @Test
  void aRefusedUriIsAnErrorAtTheValueAndNoResource(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("x.yaml");
    Files.writeString(
        f, "virt: web01\nvirt_type: kvm\nconnect: \"qemu+ext:///system?command=/tmp/x.sh\"\n");
    DesiredState s = new ManifestLoader().load(f);
    assertTrue(s.resources().isEmpty());
    assertEquals(1, s.errors().size(), s.errors().toString());
    Problem p = s.errors().get(0);
    assertEquals(new Pos(3, 10), p.pos());
    assertTrue(p.message().startsWith("`connect`: transport `ext` is not allowed"), p.message());
  }
}
