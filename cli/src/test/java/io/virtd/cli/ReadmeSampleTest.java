package io.virtd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sample manifest a newcomer reads first in README.md is valid as written. */
class ReadmeSampleTest {
  @TempDir Path dir;

  @Test
  void theReadmesSampleManifestValidates() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    var m = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL).matcher(readme);
    assertTrue(m.find(), "README.md shows a sample manifest");
    Path sample = Files.writeString(dir.resolve("web01.yaml"), m.group(1));
    Cli r = Cli.run("validate", "-m", sample.toString());
    assertEquals(0, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("1 resource(s) valid"), r.out());
  }
}
