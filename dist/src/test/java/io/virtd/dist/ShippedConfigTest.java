package io.virtd.dist;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The /etc/virtd/virtd.yaml the package ships: valid as it is, and every key shown with its
 * default.
 */
class ShippedConfigTest {
  @Test
  void theShippedConfigurationIsValidAndNamesEveryKey() throws IOException {
    Path yaml = Path.of("src/deb/virtd.yaml");
    ConfigLoader.Result r = ConfigLoader.load(yaml, false);
    assertTrue(r.problems().isEmpty(), r.problems()::toString);
    String text = Files.readString(yaml);
    for (String key : ConfigLoader.KEYS) {
      assertTrue(text.contains("\n#" + key + ":"), "virtd.yaml lacks a commented `" + key + "`");
    }
    // uncommented, every example value must still be valid
    Path tmp = Files.createTempFile("virtd", ".yaml");
    try {
      Files.writeString(tmp, text.replaceAll("(?m)^#(?=[a-z_]+:|  [a-z]+:)", ""));
      ConfigLoader.Result all = ConfigLoader.load(tmp, false);
      assertTrue(all.problems().isEmpty(), all.problems()::toString);
    } finally {
      Files.delete(tmp);
    }
  }
}
