package io.virtd.core.control;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * One request on the control socket, one JSON line: {@code {"cmd":"hold","names":["web01"]}}.
 * {@code cmd} is kept as sent, so that the daemon can name a command it does not know.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ControlRequest(String cmd, List<String> names) {
  public ControlRequest {
    cmd = cmd == null ? "" : cmd;
    names = names == null ? List.of() : List.copyOf(names);
  }

  public ControlRequest(ControlCommand cmd, List<String> names) {
    this(cmd.wireName(), names);
  }

  /** The command asked; empty when {@code cmd} names none this version knows. */
  @JsonIgnore
  public Optional<ControlCommand> command() {
    return ControlCommand.of(cmd);
  }

  /** The request as its JSON line, without the line's end. */
  public String toJson() {
    return ControlWire.write(this);
  }

  /** A request line; an empty object when the client sent nothing. */
  public static ControlRequest parse(String line) throws IOException {
    return ControlWire.JSON.readValue(line, ControlRequest.class);
  }
}
