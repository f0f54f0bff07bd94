package io.virtd.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtd.core.spi.DriverException.Kind;
import org.junit.jupiter.api.Test;
import org.libvirt.Error.ErrorDomain;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.RaisedErrors;

class ErrorsTest {
  @Test
  void aNameTakenByAnotherUuidIsAConflictInAnyLanguage() {
    // libvirt translates its messages: the object list's refusal, as a German host prints it
    assertEquals(
        Kind.CONFLICT,
        Errors.kind(
            RaisedErrors.of(
                ErrorNumber.VIR_ERR_OPERATION_FAILED,
                ErrorDomain.VIR_FROM_DOMAIN,
                "Vorgang fehlgeschlagen: Domain 'web01' existiert bereits mit UUID 0000")));
    assertEquals(
        Kind.CONFLICT,
        Errors.kind(
            RaisedErrors.of(
                ErrorNumber.VIR_ERR_OPERATION_FAILED,
                ErrorDomain.VIR_FROM_NETWORK,
                "operation failed: network 'n' is already defined with uuid 0000")));
  }

  @Test
  void aFailedOperationElsewhereIsTerminalWhateverItsWords() {
    assertEquals(
        Kind.TERMINAL,
        Errors.kind(
            RaisedErrors.of(
                ErrorNumber.VIR_ERR_OPERATION_FAILED,
                ErrorDomain.VIR_FROM_QEMU,
                "operation failed: the guest's disk is already in use by another process")));
  }
}
