package io.virtd.core.control;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.virtd.core.spi.GuestAddress;
import java.util.List;

/**
 * One managed guest in the status answer, as {@code virtctl status --json} and {@code GET
 * /api/v1/guests} show it.
 *
 * @param desired the manifest's {@code ensure}
 * @param observed how the guest compares, as {@code virtctl status} prints it: {@code as desired},
 *     {@code differs}, or {@code unknown…} with the reason
 * @param hypervisor the driver and connection the guest is on ({@code libvirt qemu:///system})
 * @param state the guest's run state as last seen, or {@code unknown}
 * @param differs each managed field whose found value is not the wanted one
 * @param lastResult the last reconcile's result ({@code in sync}, {@code applied}, {@code error},
 *     …)
 * @param at when it was reached, an ISO-8601 instant to the second
 * @param restartPending the fields that change only at the guest's next restart
 * @param lastError the last reconcile's error; null or empty when it succeeded
 * @param comparison how the guest compares, for programs ({@code observed} is for people)
 * @param addresses the guest's addresses per NIC with their source, as last read; null when unknown
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
public record GuestState(
    String name,
    String desired,
    String observed,
    String hypervisor,
    String state,
    List<Difference> differs,
    String lastResult,
    String at,
    List<String> restartPending,
    String lastError,
    int retries,
    boolean held,
    Comparison comparison,
    List<GuestAddress> addresses) {
  public GuestState {
    comparison = comparison == null ? Comparison.ofOlderDaemon(observed) : comparison;
    addresses = addresses == null ? null : List.copyOf(addresses);
    state = state == null ? "unknown" : state;
    restartPending = restartPending == null ? List.of() : List.copyOf(restartPending);
    differs = differs == null ? List.of() : List.copyOf(differs);
  }

  /**
   * One field whose guest value is not the manifest's, as the plan prints values ({@code 768 MiB},
   * secrets as {@code (sensitive)}). {@code ensure} compares the wanted state with the guest's run
   * state ({@code missing} when there is no guest).
   */
  public record Difference(String field, String wanted, String found) {}

  /** Whether the last reconcile left an error. */
  @JsonIgnore
  public boolean failed() {
    return lastError != null && !lastError.isEmpty();
  }

  /** Whether the guest needs no one's attention. */
  @JsonIgnore
  public boolean inSync() {
    return !held
        && restartPending.isEmpty()
        && !failed()
        && comparison == Comparison.AS_DESIRED
        && !"error".equals(lastResult);
  }
}
