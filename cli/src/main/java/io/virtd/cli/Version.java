package io.virtd.cli;

import picocli.CommandLine;

/** {@code virtctl --version} and each sub-command's: the version the build wrote into the jar. */
final class Version implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    return new String[] {"virtctl " + io.virtd.core.program.Version.get()};
  }
}
