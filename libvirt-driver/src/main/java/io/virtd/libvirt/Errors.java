package io.virtd.libvirt;

import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.DriverException.Kind;
import org.libvirt.Error.ErrorDomain;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;

/** The one place where libvirt error codes become {@link DriverException.Kind}s. */
final class Errors {
  private Errors() {}

  static DriverException classify(LibvirtException e, String action, String guest) {
    String what = guest == null ? action : action + " `" + guest + "`";
    return new DriverException(kind(e), "libvirt: " + what + ": " + message(e), e);
  }

  static Kind kind(LibvirtException e) {
    org.libvirt.Error err = e.getError();
    if (err == null) {
      return Kind.TRANSIENT;
    }
    ErrorNumber code = err.getCode();
    if (code == null) {
      return Kind.TRANSIENT;
    }
    return switch (code) {
      case VIR_ERR_NO_DOMAIN -> Kind.NOT_FOUND;
      case VIR_ERR_OPERATION_INVALID,
          VIR_ERR_DOM_EXIST,
          VIR_ERR_BLOCK_COPY_ACTIVE,
          VIR_ERR_MULTIPLE_DOMAINS ->
          Kind.CONFLICT;
      case VIR_ERR_OPERATION_FAILED ->
          isObjectList(err.getDomain()) ? Kind.CONFLICT : Kind.TERMINAL;
      case VIR_ERR_INTERNAL_ERROR -> isRpc(err.getDomain()) ? Kind.TRANSIENT : Kind.TERMINAL;
      case VIR_ERR_INVALID_CONN,
          VIR_ERR_NO_CONNECT,
          VIR_ERR_SYSTEM_ERROR,
          VIR_ERR_RPC,
          VIR_ERR_NO_MEMORY,
          VIR_ERR_OPERATION_TIMEOUT,
          VIR_ERR_AGENT_UNRESPONSIVE,
          VIR_ERR_AGENT_UNSYNCED,
          VIR_ERR_RESOURCE_BUSY,
          VIR_ERR_OPERATION_ABORTED,
          VIR_ERR_READ_FAILED,
          VIR_ERR_WRITE_FAILED,
          VIR_ERR_OPEN_FAILED,
          VIR_ERR_HOOK_SCRIPT_FAILED,
          VIR_ERR_SSH,
          VIR_ERR_LIBSSH,
          VIR_ERR_GNUTLS_ERROR ->
          Kind.TRANSIENT;
      case VIR_ERR_XML_ERROR,
          VIR_ERR_XML_DETAIL,
          VIR_ERR_XML_INVALID_SCHEMA,
          VIR_ERR_PARSE_FAILED,
          VIR_ERR_CONF_SYNTAX,
          VIR_ERR_CONFIG_UNSUPPORTED,
          VIR_ERR_INVALID_ARG,
          VIR_ERR_NO_SUPPORT,
          VIR_ERR_OPERATION_UNSUPPORTED,
          VIR_ERR_ARGUMENT_UNSUPPORTED,
          VIR_ERR_OS_TYPE,
          VIR_ERR_NO_OS,
          VIR_ERR_NO_NAME,
          VIR_ERR_NO_KERNEL,
          VIR_ERR_NO_ROOT,
          VIR_ERR_NO_SOURCE,
          VIR_ERR_NO_TARGET,
          VIR_ERR_NO_DEVICE,
          VIR_ERR_INVALID_MAC,
          VIR_ERR_CPU_INCOMPATIBLE,
          VIR_ERR_NO_NETWORK,
          VIR_ERR_NO_STORAGE_POOL,
          VIR_ERR_NO_STORAGE_VOL,
          VIR_ERR_NO_SECRET,
          VIR_ERR_NO_INTERFACE,
          VIR_ERR_OPERATION_DENIED,
          VIR_ERR_ACCESS_DENIED,
          VIR_ERR_AUTH_FAILED,
          VIR_ERR_AUTH_CANCELLED,
          VIR_ERR_AUTH_UNAVAILABLE,
          VIR_ERR_NO_SECURITY_MODEL,
          VIR_ERR_OVERFLOW,
          VIR_ERR_DEVICE_MISSING ->
          Kind.TERMINAL;
      default -> Kind.TRANSIENT;
    };
  }

  /** Whether the error means the connection itself is gone (the next call should reconnect). */
  static boolean connectionLost(LibvirtException e) {
    org.libvirt.Error err = e.getError();
    if (err == null || err.getCode() == null) {
      return false;
    }
    return switch (err.getCode()) {
      case VIR_ERR_INVALID_CONN, VIR_ERR_NO_CONNECT, VIR_ERR_RPC -> true;
      case VIR_ERR_INTERNAL_ERROR, VIR_ERR_SYSTEM_ERROR -> isRpc(err.getDomain());
      default -> false;
    };
  }

  static boolean is(LibvirtException e, ErrorNumber code) {
    return e.getError() != null && e.getError().getCode() == code;
  }

  static String message(LibvirtException e) {
    org.libvirt.Error err = e.getError();
    String m = err == null ? e.getMessage() : err.getMessage();
    return m == null ? "unknown error" : m;
  }

  /**
   * The domains of libvirt's object lists (guests, networks, storage pools), whose failed operation
   * is a name already taken by an object of another UUID: two definers raced. Decided by domain,
   * not by the message, which libvirt translates into the host's language.
   */
  private static boolean isObjectList(ErrorDomain d) {
    return d == ErrorDomain.VIR_FROM_DOMAIN
        || d == ErrorDomain.VIR_FROM_NETWORK
        || d == ErrorDomain.VIR_FROM_STORAGE;
  }

  private static boolean isRpc(ErrorDomain d) {
    return d == ErrorDomain.VIR_FROM_RPC || d == ErrorDomain.VIR_FROM_REMOTE;
  }

  /** Throws {@code e} again when the connection is lost: that is no refusal by the guest. */
  static void rethrowIfLost(LibvirtException e) throws LibvirtException {
    if (connectionLost(e)) {
      throw e;
    }
  }
}
