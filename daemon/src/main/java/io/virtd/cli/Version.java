package io.virtd.cli;

import picocli.CommandLine;

/** The version written into the jar's manifest by the build. */
public final class Version implements CommandLine.IVersionProvider {
  public static String get() {
    String v = Version.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** Injected by picocli: the command asked, so `virtd --version` names virtd. */
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public String[] getVersion() {
    return new String[] {(spec == null ? "virtctl" : spec.root().name()) + " " + get()};
  }
}
