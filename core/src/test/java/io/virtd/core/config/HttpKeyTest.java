package io.virtd.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.manifest.Pos;
import io.virtd.core.manifest.Problem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The configuration's {@code http} key: where to listen, the token file, TLS. */
class HttpKeyTest {
  @TempDir Path dir;

  private ConfigLoader.Result load(String text) throws Exception {
    Path f = dir.resolve("virtd.yaml");
    Files.writeString(f, text);
    return ConfigLoader.load(f, false);
  }

  @Test
  void byDefaultItListensOnLoopbackWithoutToken() throws Exception {
    Config.Http h = load("owner: a\n").config().http();
    assertEquals(Optional.of(new Config.Listen("127.0.0.1", 9477)), h.listen());
    assertEquals(Optional.empty(), h.tokenFile());
    assertEquals(Optional.empty(), h.tls());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "127.0.0.1:9477 | true",
        "127.0.0.2:80   | true",
        "localhost:9477 | true",
        "[::1]:9477     | true",
        "0.0.0.0:9477   | false",
        "[::]:9477      | false",
        "192.0.2.7:9477 | false",
        "myhost:9477    | false"
      })
  void onlyLoopbackAddressesCountAsLoopback(String listen, boolean loopback) throws Exception {
    ConfigLoader.Result r =
        load("http:\n  listen: \"" + listen + "\"\n  token_file: /etc/virtd/http-token\n");
    assertEquals(java.util.List.of(), r.problems());
    assertEquals(loopback, r.config().http().listen().orElseThrow().loopback());
  }

  @Test
  void everyKeyIsRead() throws Exception {
    ConfigLoader.Result r =
        load(
            "http:\n  listen: 0.0.0.0:9000\n  token_file: /etc/virtd/http-token\n"
                + "  tls: {cert: /etc/virtd/tls.pem, key: /etc/virtd/tls-key.pem}\n");
    assertEquals(java.util.List.of(), r.problems());
    Config.Http h = r.config().http();
    assertEquals(Optional.of(new Config.Listen("0.0.0.0", 9000)), h.listen());
    assertEquals(Optional.of(Path.of("/etc/virtd/http-token")), h.tokenFile());
    assertEquals(new Pos(3, 15), h.tokenFileAt());
    assertEquals(
        Optional.of(
            new Config.Tls(Path.of("/etc/virtd/tls.pem"), Path.of("/etc/virtd/tls-key.pem"))),
        h.tls());
  }

  @Test
  void notLoopbackWithoutTokenIsRefusedAtTheListenKey() throws Exception {
    Path f = dir.resolve("virtd.yaml");
    ConfigLoader.Result r = load("owner: a\nhttp:\n  listen: 0.0.0.0:9477\n");
    assertFalse(r.ok());
    Problem p = r.problems().get(0);
    assertEquals(
        f
            + ":3:3: `http`: `listen: 0.0.0.0:9477` is reachable from other hosts: set"
            + " `token_file` too (POST needs its token), or listen on 127.0.0.1",
        p.toString());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "listen: 9477                 | 3 | 11 | must be HOST:PORT",
        "listen: 127.0.0.1:99999      | 3 | 11 | must be HOST:PORT",
        "listen: ::1:9477             | 3 | 11 | must be HOST:PORT",
        "lisen: 127.0.0.1:1           | 3 | 3  | did you mean `listen`?",
        "token_file: http-token       | 3 | 15 | `token_file`: must be an absolute path",
        "tls: {cert: /a.pem}          | 3 | 8  | `tls`: needs both `cert` and `key`",
        "tls: {cert: /a.pem, kee: /b} | 3 | 23 | `tls`: unknown key `kee` (cert, key); did you mean `key`?",
      })
  void badValuesAreErrorsWhereTheyAre(String line, int row, int col, String message)
      throws Exception {
    ConfigLoader.Result r = load("owner: a\nhttp:\n  " + line + "\n");
    assertFalse(r.ok());
    Problem p = r.problems().get(0);
    assertEquals(new Pos(row, col), p.pos(), p::toString);
    assertTrue(p.message().contains(message), p::toString);
  }
}
