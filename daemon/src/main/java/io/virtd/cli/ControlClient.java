package io.virtd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** Asks the running daemon over its Unix domain socket. */
final class ControlClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ControlClient() {}

  static JsonNode ask(Path socket, String cmd, List<String> names) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      var req = JSON.createObjectNode().put("cmd", cmd);
      names.forEach(req.putArray("names")::add);
      if (names.isEmpty()) {
        req.putArray("names");
      }
      try {
        ch.write(
            ByteBuffer.wrap(
                (JSON.writeValueAsString(req) + "\n").getBytes(StandardCharsets.UTF_8)));
      } catch (IOException e) {
        // a daemon too busy to read the request answers so at once and closes: read that answer
      }
      var in =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
      String line = in.readLine();
      if (line == null) {
        throw new IOException("the daemon closed the connection");
      }
      return JSON.readTree(line);
    }
  }
}
