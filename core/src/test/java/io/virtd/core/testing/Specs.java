package io.virtd.core.testing;

import io.virtd.core.manifest.DesiredState;
import io.virtd.core.manifest.ManifestLoader;
import io.virtd.core.manifest.VmSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds specs the way operators write them: from YAML text, through the real loader. */
public final class Specs {
  private Specs() {}

  public static VmSpec parse(String yaml) {
    return load(yaml).resources().values().iterator().next();
  }

  public static DesiredState load(String yaml) {
    try {
      Path dir = Files.createTempDirectory("virtd-spec");
      Path f = dir.resolve("test.yaml");
      Files.writeString(f, yaml);
      DesiredState s = new ManifestLoader().load(f);
      if (s.hasErrors()) {
        throw new IllegalArgumentException("bad test manifest: " + s.errors());
      }
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
