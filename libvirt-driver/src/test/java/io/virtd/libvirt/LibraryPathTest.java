package io.virtd.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LibraryPathTest {
  @Test
  void theMultiarchDirectoriesComeFirstWhenLibvirtIsInOne() {
    assertEquals(
        Optional.of(
            "/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu:/usr/lib64:/lib64:/usr/lib:/lib"),
        LibraryPath.searchPath("amd64", Path.of("/usr/lib/x86_64-linux-gnu")::equals));
    assertEquals(
        Optional.of(
            "/usr/lib/aarch64-linux-gnu:/lib/aarch64-linux-gnu:/usr/lib64:/lib64:/usr/lib:/lib"),
        LibraryPath.searchPath("aarch64", Path.of("/usr/lib64")::equals));
  }

  @Test
  void anUnknownArchitectureKeepsTheGenericDirectories() {
    assertEquals(
        Optional.of("/usr/lib64:/lib64:/usr/lib:/lib"),
        LibraryPath.searchPath("riscv64", Path.of("/usr/lib")::equals));
  }

  @Test
  void libvirtElsewhereLeavesJnaToItsOwnSearch() {
    assertEquals(Optional.empty(), LibraryPath.searchPath("amd64", dir -> false));
  }
}
