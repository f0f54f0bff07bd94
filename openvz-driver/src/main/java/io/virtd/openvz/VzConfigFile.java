package io.virtd.openvz;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A container's {@code CTID.conf}, read as vzctl's {@code vps_parse_config()} reads it, and the
 * {@code #virtd} comment lines virtd keeps in it (vzctl keeps comment lines when it saves, as it
 * keeps libvirt's {@code #UUID:} line).
 */
public record VzConfigFile(long ctid, Map<String, String> values, List<String> virtdLines) {
  /** Every line virtd writes starts with this; nothing else in the file does. */
  public static final String PREFIX = "#virtd";

  public VzConfigFile {
    values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
    virtdLines = List.copyOf(virtdLines);
  }

  public String get(String key) {
    return values.get(key);
  }

  /** The container's {@code NAME}, when it has one. */
  public java.util.Optional<String> name() {
    return java.util.Optional.ofNullable(values.get("NAME")).filter(n -> !n.isEmpty());
  }

  public static VzConfigFile parse(long ctid, String text) {
    Map<String, String> values = new LinkedHashMap<>();
    List<String> virtd = new ArrayList<>();
    for (String raw : text.split("\n", -1)) {
      if (raw.startsWith(PREFIX)) {
        virtd.add(raw);
        continue;
      }
      String[] kv = parseLine(raw);
      if (kv != null) {
        values.putIfAbsent(
            kv[0], kv[1]); // vzctl ignores a duplicate key ("duplicate for ..., ignored")
      }
    }
    return new VzConfigFile(ctid, values, virtd);
  }

  /**
   * {@code src/lib/util.c:parse_line()}: a backslash escapes the next character, blanks around the
   * line are dropped, {@code #} starts a comment, and a quoted value runs to the <em>last</em>
   * quote (so a description may hold quotes). Returns {@code [key, value]} or null.
   */
  static String[] parseLine(String line) {
    StringBuilder b = new StringBuilder();
    boolean esc = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\\' && !esc) {
        esc = true;
        continue;
      }
      b.append(c);
      esc = false;
    }
    String s = b.toString().strip();
    if (s.isEmpty() || s.charAt(0) == '#') {
      return null;
    }
    int eq = s.indexOf('=');
    if (eq <= 0) {
      return null;
    }
    String key = s.substring(0, eq);
    String rest = s.substring(eq + 1);
    if (!rest.startsWith("\"")) {
      return new String[] {key, rest};
    }
    int last = rest.lastIndexOf('"');
    if (last == 0) {
      return null; // unmatched quote: vzctl skips the line
    }
    return new String[] {key, rest.substring(1, last)};
  }

  /** The config of {@code ctid} in {@code dir}, or empty when there is none. */
  public static java.util.Optional<VzConfigFile> read(Path dir, long ctid) throws IOException {
    Path p = path(dir, ctid);
    try {
      return java.util.Optional.of(parse(ctid, Files.readString(p, StandardCharsets.UTF_8)));
    } catch (java.nio.file.NoSuchFileException e) {
      return java.util.Optional.empty();
    } catch (java.nio.charset.MalformedInputException e) {
      return java.util.Optional.of(
          parse(ctid, new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1)));
    }
  }

  public static Path path(Path dir, long ctid) {
    return dir.resolve(ctid + ".conf");
  }

  /**
   * Every {@code CTID.conf} in {@code dir} (vzctl's own naming; samples and {@code .destroyed}
   * skipped).
   */
  public static List<VzConfigFile> readAll(Path dir) throws IOException {
    List<VzConfigFile> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (var s = Files.list(dir)) {
      for (Path p : s.sorted().toList()) {
        String n = p.getFileName().toString();
        if (!n.matches("[0-9]{1,10}\\.conf")) {
          continue;
        }
        long ctid = Long.parseLong(n.substring(0, n.length() - 5));
        read(dir, ctid).ifPresent(out::add);
      }
    }
    return out;
  }

  /**
   * {@code text} with its {@code #virtd} lines replaced by {@code lines}, put first; every other
   * line stays where and as it is.
   */
  static String withVirtdLines(String text, List<String> lines) {
    List<String> out = new ArrayList<>(lines);
    List<String> old = new ArrayList<>(List.of(text.split("\n", -1)));
    if (!old.isEmpty() && old.get(old.size() - 1).isEmpty()) {
      old.remove(old.size() - 1);
    }
    for (String l : old) {
      if (!l.startsWith(PREFIX)) {
        out.add(l);
      }
    }
    return String.join("\n", out) + "\n";
  }

  /**
   * Rewrites the {@code #virtd} lines of {@code ctid}'s config: a new file beside it, renamed over
   * it (as vzctl saves), with the old file's permissions.
   */
  public static void writeVirtdLines(Path dir, long ctid, List<String> lines) throws IOException {
    Path p = path(dir, ctid).toRealPath();
    String text = Files.readString(p, StandardCharsets.ISO_8859_1);
    // ISO-8859-1 both ways: every byte of the file comes back unchanged
    String updated = withVirtdLines(text, lines.stream().map(VzConfigFile::latin1).toList());
    Path tmp = p.resolveSibling("." + p.getFileName() + ".virtd-tmp");
    Files.writeString(tmp, updated, StandardCharsets.ISO_8859_1);
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
      Files.setPosixFilePermissions(tmp, perms);
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: keep the default permissions
    }
    try {
      Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** virtd's lines are ASCII (values are percent-encoded); this keeps them so in any charset. */
  private static String latin1(String s) {
    return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
  }
}
