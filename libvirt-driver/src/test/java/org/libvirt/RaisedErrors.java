package org.libvirt;

import org.libvirt.jna.virError;

/**
 * The {@link LibvirtException} libvirt-java raises for an error of this code, domain and message
 * (its constructor is package-private), for tests of how errors are classified.
 */
public final class RaisedErrors {
  private RaisedErrors() {}

  public static LibvirtException of(
      Error.ErrorNumber code, Error.ErrorDomain domain, String message) {
    virError v = new virError();
    v.code = code.ordinal();
    v.domain = domain.ordinal();
    v.level = Error.ErrorLevel.VIR_ERR_ERROR.ordinal();
    v.message = message;
    return new LibvirtException(new Error(v));
  }
}
