package io.virtd.cli;

import io.virtd.core.control.ControlReply;
import io.virtd.core.control.ControlRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Asks the running daemon over its Unix domain socket. */
final class ControlClient {
  private ControlClient() {}

  static ControlReply ask(Path socket, ControlRequest request) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      try {
        ch.write(ByteBuffer.wrap((request.toJson() + "\n").getBytes(StandardCharsets.UTF_8)));
      } catch (IOException e) {
        // a daemon too busy to read the request answers so at once and closes: read that answer
      }
      var in =
          new BufferedReader(
              new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
      String line = in.readLine();
      if (line == null) {
        throw new IOException("the daemon closed the connection");
      }
      return ControlReply.parse(line, request.command().orElseThrow());
    }
  }
}
