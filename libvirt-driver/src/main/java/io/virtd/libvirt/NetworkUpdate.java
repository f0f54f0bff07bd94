package io.virtd.libvirt;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import org.libvirt.ErrorHandler;
import org.libvirt.LibvirtException;
import org.libvirt.Network;
import org.libvirt.jna.NetworkPointer;

/**
 * libvirt's {@code virNetworkUpdate}, which libvirt-java 0.5.4 does not bind: it changes one part
 * of a network (here its DHCP hosts) without restarting it, so the guests on the network keep their
 * links and dnsmasq keeps running. Called through JNA on the network handle libvirt-java already
 * holds, and failures become the {@link LibvirtException} libvirt-java itself would throw.
 */
final class NetworkUpdate {
  private NetworkUpdate() {}

  /** {@code virNetworkUpdateCommand}. */
  enum Command {
    MODIFY(1),
    DELETE(2),
    ADD_LAST(3);

    final int code;

    Command(int code) {
      this.code = code;
    }
  }

  /** {@code VIR_NETWORK_SECTION_IP_DHCP_HOST}. */
  static final int SECTION_IP_DHCP_HOST = 4;

  /** {@code VIR_NETWORK_UPDATE_AFFECT_LIVE | VIR_NETWORK_UPDATE_AFFECT_CONFIG}. */
  static final int LIVE_AND_CONFIG = 1 | 2;

  /** {@code VIR_NETWORK_UPDATE_AFFECT_CONFIG}: for a network that is not running. */
  static final int CONFIG = 2;

  interface Api extends Library {
    int virNetworkUpdate(
        NetworkPointer network, int command, int section, int parentIndex, String xml, int flags);
  }

  private static final class Holder {
    static final Api API = Native.load("virt", Api.class);
    static final Field HANDLE = accessible(field());
    static final Method PROCESS_ERROR = accessible(processError());

    private static Field field() {
      try {
        return Network.class.getDeclaredField("vnp");
      } catch (NoSuchFieldException e) {
        throw new IllegalStateException("libvirt-java's Network has no handle field", e);
      }
    }

    private static Method processError() {
      try {
        return ErrorHandler.class.getDeclaredMethod("processError", int.class);
      } catch (NoSuchMethodException e) {
        throw new IllegalStateException("libvirt-java's ErrorHandler changed", e);
      }
    }

    private static <T extends java.lang.reflect.AccessibleObject> T accessible(T member) {
      member.setAccessible(true);
      return member;
    }
  }

  /**
   * Adds, changes or deletes one {@code <host>} of the network's first IPv4 {@code <dhcp>}.
   *
   * @param hostXml one {@code <host mac=… ip=… name=…/>} element
   * @param active whether the network is running: then the running network and its saved definition
   *     are changed together; otherwise only the definition
   */
  static void dhcpHost(Network network, Command command, String hostXml, boolean active)
      throws LibvirtException {
    int rc =
        Holder.API.virNetworkUpdate(
            handle(network),
            command.code,
            SECTION_IP_DHCP_HOST,
            -1,
            hostXml,
            active ? LIVE_AND_CONFIG : CONFIG);
    if (rc < 0) {
      throwLastError(rc);
    }
  }

  private static NetworkPointer handle(Network network) {
    try {
      return (NetworkPointer) Holder.HANDLE.get(network);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("libvirt-java's network handle is not readable", e);
    }
  }

  private static void throwLastError(int rc) throws LibvirtException {
    try {
      Holder.PROCESS_ERROR.invoke(null, rc);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof LibvirtException le) {
        throw le;
      }
      throw new IllegalStateException(e.getCause());
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
    throw new IllegalStateException("virNetworkUpdate failed and libvirt reported no error");
  }
}
