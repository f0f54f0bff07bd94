package io.virtd.core.plan;

import io.virtd.core.spi.DriverException;
import java.util.List;
import java.util.Optional;

/**
 * Why nothing can be planned for one resource, as data: callers decide on {@link #reason()} and
 * {@link #kind()}; the English is rendered from it by {@link PlanText#error(PlanError)}.
 *
 * @param reason what stops the plan
 * @param kind how the failure classifies: the driver's own kind when the guest could not be read,
 *     {@code CONFLICT} when another owner holds the guest, {@code TERMINAL} otherwise
 * @param location the manifest position the error is about ({@code FILE:LINE:COL}), when it names
 *     one
 * @param guest the resource's name
 * @param detail what the reason needs to be told: see each {@link Reason}
 */
public record PlanError(
    Reason reason,
    DriverException.Kind kind,
    Optional<String> location,
    String guest,
    List<String> detail) {

  public PlanError {
    detail = List.copyOf(detail);
  }

  /** Why a resource cannot be planned, in the spirit of Terraform's {@code ActionReason}. */
  public enum Reason {
    /** The guest could not be read; {@code detail}: the driver's message. */
    UNREADABLE,
    /** The driver says the guest cannot be created yet; {@code detail}: what is not ready. */
    NOT_READY,
    /** The guest's mark names another owner; {@code detail}: that owner, then this one. */
    OWNED_BY_ANOTHER,
    /** {@code ensure: absent} on a guest whose manifest sets {@code protect: true}. */
    PROTECTED_FROM_REMOVAL,
    /** {@code --replace} on a guest whose manifest sets {@code protect: true}. */
    PROTECTED_FROM_REPLACEMENT,
    /** {@code ensure: absent} on a guest virtd does not manage, without {@code --replace}. */
    NOT_MANAGED,
    /**
     * A {@code network} or {@code pool} for a target whose driver has none (OpenVZ); {@code
     * detail}: the driver.
     */
    NO_HOST_RESOURCES,
    /** {@code ensure: absent} on a network or pool virtd did not create (adopted or unmarked). */
    NOT_CREATED,
    /**
     * {@code ensure: absent} on a network a running guest is on, or a pool a guest's disk is in;
     * {@code detail}: those guests.
     */
    IN_USE,
    /**
     * A guest's interface names a network that neither exists nor is declared; {@code detail}: its
     * name.
     */
    UNKNOWN_NETWORK,
    /**
     * A guest's disk names a pool that neither exists nor is declared; {@code detail}: its name.
     */
    UNKNOWN_POOL;

    /**
     * Whether this is a refusal: the manifest asks for what virtd will not do, so trying again
     * cannot help until the manifest, the policy or the guest's mark changes.
     */
    public boolean refusal() {
      return switch (this) {
        case UNREADABLE, NOT_READY, IN_USE, UNKNOWN_NETWORK, UNKNOWN_POOL -> false;
        case OWNED_BY_ANOTHER,
            PROTECTED_FROM_REMOVAL,
            PROTECTED_FROM_REPLACEMENT,
            NOT_MANAGED,
            NO_HOST_RESOURCES,
            NOT_CREATED ->
            true;
      };
    }
  }

  /** The guest could not be read: {@code e}'s kind and message. */
  public static PlanError unreadable(String guest, DriverException e) {
    return unreadable(guest, e.kind(), e.getMessage());
  }

  public static PlanError unreadable(String guest, DriverException.Kind kind, String message) {
    return new PlanError(
        Reason.UNREADABLE, kind, Optional.empty(), guest, List.of(String.valueOf(message)));
  }

  public static PlanError notReady(String guest, List<String> unready) {
    return new PlanError(
        Reason.NOT_READY, DriverException.Kind.TERMINAL, Optional.empty(), guest, unready);
  }

  static PlanError ownedByAnother(String guest, String markOwner, String owner) {
    return new PlanError(
        Reason.OWNED_BY_ANOTHER,
        DriverException.Kind.CONFLICT,
        Optional.empty(),
        guest,
        List.of(markOwner, owner));
  }

  /** {@code reason} about {@code name} at {@code location}, with what the reason needs told. */
  static PlanError of(Reason reason, String name, String location, List<String> detail) {
    return new PlanError(
        reason, DriverException.Kind.TERMINAL, Optional.of(location), name, detail);
  }

  static PlanError refused(Reason reason, String guest, Optional<String> location) {
    return new PlanError(reason, DriverException.Kind.TERMINAL, location, guest, List.of());
  }

  /** Whether this is a refusal; see {@link Reason#refusal()}. */
  public boolean refusal() {
    return reason.refusal();
  }
}
