package io.virtd.dist;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * A manual page in troff with the man(7) macros, written from picocli's model of a command, so the
 * options in the page are the options the program parses. Sections the model cannot know (exit
 * status, files, signals) come from the caller as {@link Section}s.
 *
 * <p>picocli's own ManPageGenerator writes AsciiDoc, which needs Asciidoctor (Ruby, or JRuby in the
 * build) to become troff; the few macros used here need nothing but this class.
 */
final class ManPage {
  /** A section the caller writes: a paragraph, then items (a term and its explanation). */
  record Section(String title, String paragraph, List<Item> items) {
    Section {
      items = List.copyOf(items);
    }

    static Section items(String title, Item... items) {
      return new Section(title, "", List.of(items));
    }

    static Section text(String title, String paragraph) {
      return new Section(title, paragraph, List.of());
    }
  }

  record Item(String term, String text) {}

  private static final Pattern CODE = Pattern.compile("`([^`]+)`");

  private ManPage() {}

  /**
   * The page of {@code spec} (a sub-command's page is named by its qualified name: {@code
   * virtctl-plan}).
   */
  static String render(
      CommandSpec spec, int section, String date, String source, List<Section> extra) {
    String name = pageName(spec);
    var out = new StringBuilder();
    out.append(".TH ")
        .append(quote(name.toUpperCase(Locale.ROOT)))
        .append(' ')
        .append(section)
        .append(' ')
        .append(quote(date))
        .append(' ')
        .append(quote(source))
        .append(' ')
        .append(quote("virtd manual"))
        .append('\n');
    out.append(
        ".nh\n"); // no hyphenation: names such as storage_dir are typed, not read across lines
    out.append(".SH NAME\n")
        .append(escape(name))
        .append(" \\- ")
        .append(text(firstSentence(description(spec))))
        .append('\n');

    out.append(".SH SYNOPSIS\n").append(".B ").append(escape(spec.qualifiedName(" "))).append('\n');
    for (OptionSpec o : visibleOptions(spec)) {
      out.append('[')
          .append(optionSynopsis(o, o.shortestName()))
          .append(']')
          .append(o.isMultiValue() ? "..." : "")
          .append('\n');
    }
    for (PositionalParamSpec p : spec.positionalParameters()) {
      if (p.hidden()) {
        continue;
      }
      String label = "\\fI" + escape(p.paramLabel()) + "\\fR" + (p.isMultiValue() ? "..." : "");
      out.append(p.arity().min() == 0 ? "[" + label + "]" : label).append('\n');
    }
    if (!spec.subcommands().isEmpty()) {
      out.append("\\fICOMMAND\\fR\n");
    }

    out.append(".SH DESCRIPTION\n").append(text(description(spec))).append('\n');

    List<OptionSpec> options = visibleOptions(spec);
    if (!options.isEmpty() || !spec.positionalParameters().isEmpty()) {
      out.append(".SH OPTIONS\n");
      for (OptionSpec o : options) {
        List<String> names = new ArrayList<>();
        for (String n : o.names()) {
          names.add("\\fB" + escape(n) + "\\fR");
        }
        String param =
            o.typeInfo().isBoolean() || o.arity().max() == 0
                ? ""
                : "=\\fI" + escape(o.paramLabel()) + "\\fR";
        out.append(".TP\n")
            .append(String.join(", ", names))
            .append(param)
            .append('\n')
            .append(text(String.join(" ", o.renderedDescription())))
            .append('\n');
      }
      for (PositionalParamSpec p : spec.positionalParameters()) {
        if (!p.hidden()) {
          out.append(".TP\n\\fI")
              .append(escape(p.paramLabel()))
              .append("\\fR\n")
              .append(text(String.join(" ", p.renderedDescription())))
              .append('\n');
        }
      }
    }

    if (!spec.subcommands().isEmpty()) {
      out.append(".SH COMMANDS\n");
      for (CommandLine sub : spec.subcommands().values()) {
        CommandSpec s = sub.getCommandSpec();
        if (s.usageMessage().hidden()) {
          continue;
        }
        out.append(".TP\n\\fB")
            .append(escape(s.name()))
            .append("\\fR\n")
            .append(text(firstSentence(description(s))))
            .append('.');
        if (hasOwnPage(sub)) {
          out.append(" See \\fB")
              .append(escape(pageName(s)))
              .append("\\fR(")
              .append(section)
              .append(").");
        }
        out.append('\n');
      }
    }

    for (Section s : extra) {
      out.append(".SH ").append(escape(s.title().toUpperCase(Locale.ROOT))).append('\n');
      if (!s.paragraph().isEmpty()) {
        out.append(text(s.paragraph())).append('\n');
      }
      for (Item i : s.items()) {
        out.append(".TP\n\\fB")
            .append(escape(i.term()))
            .append("\\fR\n")
            .append(text(i.text()))
            .append('\n');
      }
    }
    return out.toString();
  }

  /** Sub-commands with a page of their own: all but picocli's {@code help}. */
  static boolean hasOwnPage(CommandLine sub) {
    return !(sub.getCommand() instanceof CommandLine.HelpCommand)
        && !sub.getCommandSpec().usageMessage().hidden();
  }

  static String pageName(CommandSpec spec) {
    return spec.qualifiedName("-");
  }

  private static List<OptionSpec> visibleOptions(CommandSpec spec) {
    return spec.options().stream().filter(o -> !o.hidden()).toList();
  }

  private static String optionSynopsis(OptionSpec o, String name) {
    String param =
        o.typeInfo().isBoolean() || o.arity().max() == 0
            ? ""
            : " \\fI" + escape(o.paramLabel()) + "\\fR";
    return "\\fB" + escape(name) + "\\fR" + param;
  }

  /**
   * picocli treats descriptions as format strings: {@code %n} is a line break, {@code %%} a percent
   * sign.
   */
  private static String description(CommandSpec spec) {
    String joined = String.join(" ", Arrays.asList(spec.usageMessage().description()));
    return joined.replace("%n", " ").replace("%%", "%").replaceAll("\\s+", " ").strip();
  }

  static String firstSentence(String s) {
    int end = s.indexOf(". ");
    String first = end < 0 ? s : s.substring(0, end + 1);
    return first.endsWith(".") ? first.substring(0, first.length() - 1) : first;
  }

  /** Running text: escaped, {@code `code`} in bold, no line starting with a control character. */
  static String text(String s) {
    Matcher m = CODE.matcher(s);
    var out = new StringBuilder();
    int last = 0;
    while (m.find()) {
      out.append(escape(s.substring(last, m.start())))
          .append("\\fB")
          .append(escape(m.group(1)))
          .append("\\fR");
      last = m.end();
    }
    out.append(escape(s.substring(last)));
    return out.toString();
  }

  /**
   * Text that troff prints as written: a backslash is {@code \e}, a hyphen a minus sign (options,
   * paths and names are typed, not hyphenated prose), and a line never starts with {@code .} or
   * {@code '}.
   */
  static String escape(String s) {
    String e = s.replace("\\", "\\e").replace("-", "\\-");
    e = e.replace("\n.", "\n\\&.").replace("\n'", "\n\\&'");
    return e.startsWith(".") || e.startsWith("'") ? "\\&" + e : e;
  }

  private static String quote(String s) {
    return '"' + escape(s).replace("\"", "\\(dq") + '"';
  }
}
