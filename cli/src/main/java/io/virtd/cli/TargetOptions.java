package io.virtd.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** What plan and apply both take: where to connect, how to print, which resources. */
public final class TargetOptions {
  @Option(
      names = "--connect",
      paramLabel = "URI",
      description = "libvirt URI replacing the configuration's connect and connect_xen")
  String connect;

  @Option(
      names = "--json",
      description = "print JSON (plan: one document; apply: one object per step, then the summary)")
  boolean json;

  @Parameters(paramLabel = "NAME", arity = "0..*", description = "only these resources")
  List<String> names = new ArrayList<>();
}
