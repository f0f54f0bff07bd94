package io.virtd.daemon;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/** A bound Unix datagram socket, addressed by hand here so a wrong address in SdNotify shows. */
final class NotifyReceiver implements AutoCloseable {
  interface LibC extends Library {
    LibC C = Native.load("c", LibC.class);

    int socket(int domain, int type, int protocol) throws LastErrorException;

    int bind(int fd, byte[] addr, int addrlen) throws LastErrorException;

    NativeLong recv(int fd, byte[] buf, NativeLong len, int flags) throws LastErrorException;

    int close(int fd) throws LastErrorException;
  }

  private static final int EAGAIN = 11;
  private static final int MSG_DONTWAIT = 0x40;
  private final int fd;

  private NotifyReceiver(byte[] sunPath) {
    ByteBuffer sa = ByteBuffer.allocate(2 + sunPath.length).order(ByteOrder.nativeOrder());
    sa.putShort((short) 1).put(sunPath);
    fd = LibC.C.socket(1, 2, 0);
    LibC.C.bind(fd, sa.array(), sa.capacity());
  }

  static NotifyReceiver bindPath(Path path) {
    return new NotifyReceiver((path + "\0").getBytes(StandardCharsets.UTF_8));
  }

  static NotifyReceiver bindAbstract(String name) {
    return new NotifyReceiver(("\0" + name).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The next queued datagram, or null. A local datagram is queued before sendto returns, so no
   * waiting is needed.
   */
  byte[] poll() {
    byte[] buf = new byte[4096];
    try {
      int n = LibC.C.recv(fd, buf, new NativeLong(buf.length), MSG_DONTWAIT).intValue();
      return Arrays.copyOf(buf, n);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == EAGAIN) {
        return null;
      }
      throw e;
    }
  }

  @Override
  public void close() {
    LibC.C.close(fd);
  }
}
