package io.virtd.core.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * Test helpers: manifests written to a directory with safe permissions and read by the real loader.
 */
final class Manifests {
  private Manifests() {}

  /** Writes {@code name} under {@code dir} (sub-directories created), mode 0644. */
  static Path write(Path dir, String name, String text) throws IOException {
    return write(dir, name, text.getBytes(StandardCharsets.UTF_8));
  }

  static Path write(Path dir, String name, byte[] bytes) throws IOException {
    Path f = dir.resolve(name);
    Files.createDirectories(f.getParent());
    Files.write(f, bytes);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    return f;
  }

  /** Loads one file holding {@code text} under {@link ManifestLoader.Permissions#REFUSE}. */
  static DesiredState load(Path dir, String text) throws IOException {
    return new ManifestLoader(ManifestLoader.Permissions.REFUSE).load(write(dir, "m.yaml", text));
  }

  /**
   * The one problem a load found (failing, with all of them shown, if there is not exactly one).
   */
  static Problem onlyProblem(DesiredState s) {
    assertEquals(1, s.problems().size(), () -> "expected exactly one problem, got " + s.problems());
    return s.problems().get(0);
  }

  /** Asserts an error at exactly {@code line:col} whose message holds {@code text}. */
  static void assertError(Problem p, int line, int col, String text) {
    assertTrue(p.isError(), () -> "not an error: " + p);
    assertEquals(new Pos(line, col), p.pos(), () -> "wrong location: " + p);
    assertTrue(p.message().contains(text), () -> "message lacks `" + text + "`: " + p);
  }

  /** Whether some error is at {@code line:col} and holds {@code text}. */
  static boolean hasError(List<Problem> problems, int line, int col, String text) {
    return problems.stream()
        .anyMatch(
            p -> p.isError() && p.pos().equals(new Pos(line, col)) && p.message().contains(text));
  }
}
