package io.virtd.core.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The control socket's wire format, written out by hand: a virtctl and a daemon of different
 * versions must keep understanding each other, so these lines change only compatibly.
 */
class ControlWireTest {
  private static final String STATUS_LINE =
      "{\"drivers\":[{\"driver\":\"libvirt\",\"target\":\"qemu:///system\",\"up\":false,"
          + "\"since\":\"2026-01-02T03:04:05Z\",\"error\":\"connection refused\"}],"
          + "\"manifest_problems\":[{\"severity\":\"error\",\"problem\":\"/m/a.yaml:3:9: bad\"}],"
          + "\"guests\":[{\"name\":\"web01\",\"desired\":\"running\",\"observed\":\"as desired\","
          + "\"hypervisor\":\"libvirt qemu:///system\",\"state\":\"running\","
          + "\"differs\":[{\"field\":\"memory\",\"wanted\":\"1 GiB\",\"found\":\"512 MiB\"}],"
          + "\"last_result\":\"in sync\",\"at\":\"2026-01-02T03:04:05Z\","
          + "\"restart_pending\":[\"cpus\"],\"last_error\":null,\"retries\":0,\"held\":true,"
          + "\"comparison\":\"as_desired\","
          + "\"addresses\":[{\"mac\":\"52:54:00:12:34:56\",\"ip\":\"192.168.122.57\","
          + "\"prefix\":24,\"source\":\"lease\"}]}],"
          + "\"ok\":true}";

  private static final GuestState WEB01 =
      new GuestState(
          "web01",
          "running",
          "as desired",
          "libvirt qemu:///system",
          "running",
          List.of(new GuestState.Difference("memory", "1 GiB", "512 MiB")),
          "in sync",
          "2026-01-02T03:04:05Z",
          List.of("cpus"),
          null,
          0,
          true,
          Comparison.AS_DESIRED,
          List.of(
              new io.virtd.core.spi.GuestAddress(
                  "52:54:00:12:34:56",
                  "192.168.122.57",
                  24,
                  io.virtd.core.spi.GuestAddress.Source.LEASE)));

  private static final ControlReply.Status STATUS =
      new ControlReply.Status(
          List.of(
              new DriverState(
                  "libvirt",
                  "qemu:///system",
                  false,
                  "2026-01-02T03:04:05Z",
                  "connection refused")),
          List.of(new ManifestProblem("error", "/m/a.yaml:3:9: bad")),
          List.of(WEB01));

  @Test
  void requestsAreOneObjectWithTheCommandAndTheNames() {
    assertEquals(
        "{\"cmd\":\"hold\",\"names\":[\"web01\",\"db01\"]}",
        new ControlRequest(ControlCommand.HOLD, List.of("web01", "db01")).toJson());
    assertEquals(
        "{\"cmd\":\"status\",\"names\":[]}",
        new ControlRequest(ControlCommand.STATUS, List.of()).toJson());
  }

  @Test
  void aRequestAsAnyVirtctlSendsItReads() throws Exception {
    ControlRequest r = ControlRequest.parse("{\"cmd\":\"release\",\"names\":[\"web01\"]}");
    assertEquals(Optional.of(ControlCommand.RELEASE), r.command());
    assertEquals(List.of("web01"), r.names());
    ControlRequest bare = ControlRequest.parse("{\"cmd\":\"reconcile\",\"later\":1}");
    assertEquals(Optional.of(ControlCommand.RECONCILE), bare.command());
    assertEquals(List.of(), bare.names());
  }

  @Test
  void anUnknownCommandKeepsItsNameForTheAnswer() throws Exception {
    ControlRequest r = ControlRequest.parse("{\"cmd\":\"frobnicate\",\"names\":[]}");
    assertEquals(Optional.empty(), r.command());
    assertEquals("frobnicate", r.cmd());
    assertEquals("", ControlRequest.parse("{}").cmd());
  }

  @Test
  void refusalsAndDoneAnswers() {
    assertEquals(
        "{\"ok\":false,\"error\":\"unknown name `x`: no manifest declares it\"}",
        new ControlReply.Refused("unknown name `x`: no manifest declares it").toJson());
    assertEquals(
        "{\"message\":\"queued 2 resource(s)\",\"ok\":true}",
        new ControlReply.Done("queued 2 resource(s)").toJson());
  }

  @Test
  void theStatusAnswer() {
    assertEquals(STATUS_LINE, STATUS.toJson());
  }

  @Test
  void theStatusAnswerReadsBack() throws Exception {
    assertEquals(STATUS, ControlReply.parse(STATUS_LINE, ControlCommand.STATUS));
  }

  @Test
  void answersOfADaemonWithFewerOrMoreFieldsRead() throws Exception {
    // before guests had `state`; a later daemon may add fields
    String older =
        "{\"ok\":true,\"drivers\":[],\"manifest_problems\":[],\"guests\":[{\"name\":\"a\","
            + "\"desired\":\"running\",\"observed\":\"as desired\",\"last_result\":\"applied\","
            + "\"at\":\"t\",\"restart_pending\":[],\"last_error\":null,\"retries\":2,"
            + "\"held\":false,\"later\":{\"x\":1}}],\"fleet\":[]}";
    ControlReply.Status s = (ControlReply.Status) ControlReply.parse(older, ControlCommand.STATUS);
    GuestState a = s.guests().get(0);
    assertEquals("unknown", a.state());
    assertEquals(2, a.retries());
    assertTrue(a.inSync());
  }

  @Test
  void aRefusalIsRefusedWhateverWasAsked() throws Exception {
    String line = "{\"ok\":false,\"error\":\"virtd is starting; try again in a moment\"}";
    for (ControlCommand c : ControlCommand.values()) {
      assertEquals(
          new ControlReply.Refused("virtd is starting; try again in a moment"),
          ControlReply.parse(line, c));
    }
    assertEquals(
        new ControlReply.Done("held: web01"),
        ControlReply.parse("{\"message\":\"held: web01\",\"ok\":true}", ControlCommand.HOLD));
  }

  @Test
  void aGuestIsInSyncOnlyWhenNothingNeedsAttention() {
    GuestState ok =
        new GuestState(
            "a",
            "running",
            "as desired",
            null,
            "running",
            List.of(),
            "in sync",
            "t",
            List.of(),
            null,
            0,
            false,
            Comparison.AS_DESIRED,
            null);
    assertTrue(ok.inSync());
    assertFalse(WEB01.inSync(), "held, restart pending");
    assertFalse(
        new GuestState(
                "a",
                "running",
                "as desired",
                null,
                "running",
                List.of(),
                "error",
                "t",
                List.of(),
                "",
                1,
                false,
                Comparison.AS_DESIRED,
                null)
            .inSync());
    assertFalse(
        new GuestState(
                "a",
                "running",
                "differs",
                null,
                "running",
                List.of(),
                "in sync",
                "t",
                List.of(),
                null,
                0,
                false,
                Comparison.DIFFERS,
                null)
            .inSync());
    assertFalse(
        new GuestState(
                "a",
                "running",
                "as desired",
                null,
                "running",
                List.of(),
                "applied",
                "t",
                List.of(),
                "boom",
                0,
                false,
                Comparison.AS_DESIRED,
                null)
            .inSync());
  }
}
