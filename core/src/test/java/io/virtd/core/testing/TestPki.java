package io.virtd.core.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Certificates for tests of TLS, made by openssl in a directory: a CA, a server certificate for
 * 127.0.0.1 and a client certificate (EC P-256, PEM, keys PKCS#8 readable by their owner only).
 */
public record TestPki(Path ca, Path serverCert, Path serverKey, Path clientCert, Path clientKey) {
  public static TestPki make(Path dir) throws Exception {
    TestPki p =
        new TestPki(
            dir.resolve("ca.pem"),
            dir.resolve("server.pem"),
            dir.resolve("server-key.pem"),
            dir.resolve("client.pem"),
            dir.resolve("client-key.pem"));
    Path caKey = dir.resolve("ca-key.pem");
    openssl(
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        caKey.toString(),
        "-out",
        p.ca().toString(),
        "-days",
        "2",
        "-subj",
        "/CN=virtd-test-ca");
    cert(
        dir, caKey, p.ca(), p.serverKey(), p.serverCert(), "server", "subjectAltName=IP:127.0.0.1");
    cert(dir, caKey, p.ca(), p.clientKey(), p.clientCert(), "h1", "extendedKeyUsage=clientAuth");
    for (Path k : List.of(caKey, p.serverKey(), p.clientKey())) {
      Files.setPosixFilePermissions(k, PosixFilePermissions.fromString("rw-------"));
    }
    return p;
  }

  private static void cert(
      Path dir, Path caKey, Path ca, Path key, Path cert, String cn, String ext) throws Exception {
    Path csr = dir.resolve(cn + ".csr");
    Path extFile = Files.writeString(dir.resolve(cn + ".ext"), ext + "\n");
    openssl(
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        key.toString(),
        "-out",
        csr.toString(),
        "-subj",
        "/CN=" + cn);
    openssl(
        "x509",
        "-req",
        "-in",
        csr.toString(),
        "-CA",
        ca.toString(),
        "-CAkey",
        caKey.toString(),
        "-CAcreateserial",
        "-CAserial",
        dir.resolve("ca.srl").toString(),
        "-out",
        cert.toString(),
        "-days",
        "2",
        "-extfile",
        extFile.toString());
  }

  private static void openssl(String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("openssl"));
    argv.addAll(List.of(args));
    Commands.Result r = Commands.run(argv, Duration.ofSeconds(30));
    if (r.exit() != 0) {
      throw new IllegalStateException(String.join(" ", argv) + ": " + r.out() + r.err());
    }
  }
}
