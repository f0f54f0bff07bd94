package io.virtd.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConfigTest {
  /** A configuration whose every value differs from the defaults, so a lost value shows. */
  static final Config GIVEN =
      new Config(
          Path.of("/srv/manifests"),
          "qemu+ssh://a/system",
          "xen+ssh://a/system",
          "owner-a",
          Config.Schedule.every(Duration.ofSeconds(7)),
          Optional.of(new Config.MaintenanceWindow("0 0 2 * * ?", Duration.ofHours(1))),
          9,
          Path.of("/srv/virtd.sock"),
          true,
          Duration.ofSeconds(5),
          "debug",
          Path.of("/opt/vzctl"),
          Path.of("/opt/vzlist"),
          Path.of("/opt/vz/conf"),
          Path.of("/srv/images"),
          Path.of("/srv/locks"),
          List.of("old-owner"),
          new Config.Http(
              Optional.empty(),
              Optional.of(Path.of("/srv/token")),
              Optional.empty(),
              io.virtd.core.manifest.Pos.START),
          "host-a",
          Optional.of(
              new Config.Store(
                  List.of("http://127.0.0.1:2379"),
                  "/v",
                  Optional.empty(),
                  Optional.empty(),
                  Optional.empty())));

  @Test
  void eachWitherChangesItsValuesAndKeepsEveryOther() throws Exception {
    Config c = GIVEN.withConnect("test:///default");
    assertEquals("test:///default", c.connect());
    assertEquals("test:///default", c.connectXen());
    assertSameBut(GIVEN, c, "connect", "connectXen");

    Config s = GIVEN.withStorageDir(Path.of("/tmp/images"));
    assertEquals(Path.of("/tmp/images"), s.storageDir());
    assertSameBut(GIVEN, s, "storageDir");

    Config l = GIVEN.withLockDir(Path.of("/tmp/locks"));
    assertEquals(Path.of("/tmp/locks"), l.lockDir());
    assertSameBut(GIVEN, l, "lockDir");
  }

  private static void assertSameBut(Config before, Config after, String... changed)
      throws ReflectiveOperationException {
    for (RecordComponent rc : Config.class.getRecordComponents()) {
      if (!Set.of(changed).contains(rc.getName())) {
        assertEquals(rc.getAccessor().invoke(before), rc.getAccessor().invoke(after), rc.getName());
      }
    }
  }
}
