package io.virtd.core.control;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.io.IOException;
import java.util.List;

/**
 * The daemon's answer to one {@link ControlRequest}, one JSON line with {@code "ok"}: {@link
 * Refused} when it is {@code false}; otherwise {@link Status} to {@code status} and {@link Done} to
 * the other commands. {@code virtctl status --json} prints the status answer; the HTTP API serves
 * the same guests.
 */
public sealed interface ControlReply {
  @JsonProperty(value = "ok", access = JsonProperty.Access.READ_ONLY)
  boolean ok();

  /** The answer as its JSON line, without the line's end. */
  default String toJson() {
    return ControlWire.write(this);
  }

  /** The answer as {@code virtctl status --json} prints it: indented. */
  default String toPrettyJson() {
    try {
      return ControlWire.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(this);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * An answer line to a request for {@code asked}. Fields this version does not know are ignored,
   * so a newer daemon's answers still read.
   */
  static ControlReply parse(String line, ControlCommand asked) throws IOException {
    JsonNode tree = ControlWire.JSON.readTree(line);
    if (tree == null || !tree.path("ok").asBoolean()) {
      return new Refused(tree == null ? null : tree.path("error").textValue());
    }
    if (asked == ControlCommand.STATUS) {
      return ControlWire.JSON.treeToValue(tree, Status.class);
    }
    return new Done(tree.path("message").textValue());
  }

  /** Not done: an unknown name or command, a malformed request, a daemon starting or busy. */
  @JsonPropertyOrder({"ok", "error"})
  record Refused(String error) implements ControlReply {
    public Refused {
      error = error == null ? "the daemon refused" : error;
    }

    @Override
    public boolean ok() {
      return false;
    }
  }

  /** Done ({@code reconcile}, {@code hold}, {@code release}), with what was done. */
  @JsonPropertyOrder({"message", "ok"})
  record Done(String message) implements ControlReply {
    public Done {
      message = message == null ? "done" : message;
    }

    @Override
    public boolean ok() {
      return true;
    }
  }

  /** The answer to {@code status}. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonPropertyOrder({"drivers", "manifest_problems", "guests", "ok"})
  @JsonIgnoreProperties(ignoreUnknown = true)
  record Status(
      List<DriverState> drivers,
      List<ManifestProblem> manifestProblems,
      List<GuestState> guests,
      @com.fasterxml.jackson.annotation.JsonInclude(
              com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
          StoreState store)
      implements ControlReply {
    /** The status of a daemon that reads its manifests from a directory: no store. */
    public Status(
        List<DriverState> drivers,
        List<ManifestProblem> manifestProblems,
        List<GuestState> guests) {
      this(drivers, manifestProblems, guests, null);
    }

    public Status {
      drivers = drivers == null ? List.of() : List.copyOf(drivers);
      manifestProblems = manifestProblems == null ? List.of() : List.copyOf(manifestProblems);
      guests = guests == null ? List.of() : List.copyOf(guests);
    }

    @Override
    public boolean ok() {
      return true;
    }
  }
}
