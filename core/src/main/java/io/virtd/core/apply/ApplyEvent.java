package io.virtd.core.apply;

import java.time.Duration;
import java.util.Optional;

/**
 * One step apply carried out on one guest, reported as it finishes.
 *
 * @param step {@code create}, {@code adopt}, {@code update}, {@code start}, {@code stop}, {@code
 *     resume}, {@code restart}, {@code remove}, {@code replace}
 * @param detail what the step did (e.g. "forced off after 60s"), if anything worth saying
 * @param error why it failed; the guest's remaining steps are skipped
 */
public record ApplyEvent(
    String name,
    String driver,
    String step,
    boolean ok,
    Duration took,
    Optional<String> detail,
    Optional<String> error) {}
