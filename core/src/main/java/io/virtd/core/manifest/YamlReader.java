package io.virtd.core.manifest;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Reads YAML files into {@link YNode} trees that keep each node's line and column. Rejects what a
 * manifest never needs and an attacker could abuse: aliases, duplicate keys, non-UTF-8 bytes, huge
 * files and deep nesting.
 */
public final class YamlReader {
  /** Larger than any sane manifest (cloud-init documents included). */
  public static final long MAX_FILE_BYTES = 4L * 1024 * 1024;

  private static final int MAX_DEPTH = 64;

  /**
   * A key quoted back in an error: one a manifest or cloud-init document could hold. Anything else
   * (a line of a file that is no manifest, read through a link) is not repeated.
   */
  private static final java.util.regex.Pattern PLAIN_KEY =
      java.util.regex.Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,39}");

  private final YAMLFactory factory;

  public YamlReader() {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(true); // we report duplicates ourselves, with both locations
    options.setMaxAliasesForCollections(0);
    options.setNestingDepthLimit(MAX_DEPTH);
    options.setCodePointLimit((int) MAX_FILE_BYTES);
    factory =
        YAMLFactory.builder()
            .loaderOptions(options)
            // an empty document (`---` alone) or `key:` with nothing after it is null, not ""
            .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL)
            .streamReadConstraints(
                StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build();
  }

  /**
   * The documents of one file, or the problems that kept it from being read.
   *
   * @param spoiled the indexes of the documents the reader found an error in (a duplicate key, a
   *     tag, a merge key), and of the last document read when a syntax error stopped the reading
   *     after it began: such a document declares no valid resource
   */
  public record Result(List<YNode> documents, List<Problem> problems, Set<Integer> spoiled) {
    public Result {
      documents = List.copyOf(documents);
      problems = List.copyOf(problems);
      spoiled = Set.copyOf(spoiled);
    }

    /** Whether the reader found an error in document {@code index}. */
    public boolean isSpoiled(int index) {
      return spoiled.contains(index);
    }
  }

  /**
   * Reads {@code file} when it is a regular file of at most {@link #MAX_FILE_BYTES}: its type is
   * checked before it is opened (a FIFO would block the reader, {@code /dev/zero} never ends), and
   * no more than the limit is read even if it grows meanwhile.
   */
  public Result read(Path file) {
    byte[] bytes;
    try {
      BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
      if (!attrs.isRegularFile()) {
        return failed(file, Pos.START, notRegular(file, attrs));
      }
      if (attrs.size() > MAX_FILE_BYTES) {
        return failed(
            file, Pos.START, "file is " + attrs.size() + " bytes; the limit is " + MAX_FILE_BYTES);
      }
      try (InputStream in = Files.newInputStream(file)) {
        bytes = in.readNBytes((int) MAX_FILE_BYTES + 1);
      }
      if (bytes.length > MAX_FILE_BYTES) {
        return failed(file, Pos.START, "file is over the limit of " + MAX_FILE_BYTES + " bytes");
      }
    } catch (FileSystemException e) {
      return failed(
          file, Pos.START, "cannot read: " + (e.getReason() == null ? "error" : e.getReason()));
    } catch (IOException e) {
      return failed(file, Pos.START, "cannot read: " + e.getClass().getSimpleName());
    }
    return read(file, bytes);
  }

  /** What {@code file} is instead of a regular file, as an error message. */
  static String notRegular(Path file, BasicFileAttributes attrs) {
    String kind = "not a regular file";
    if (attrs.isDirectory()) {
      kind = "a directory";
    } else {
      try {
        int type = (Integer) Files.getAttribute(file, "unix:mode") & 0170000;
        kind =
            switch (type) {
              case 0010000 -> "a FIFO (named pipe)";
              case 0020000 -> "a character device";
              case 0060000 -> "a block device";
              case 0140000 -> "a socket";
              default -> kind;
            };
      } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
        // the generic word will do
      }
    }
    return kind + ", not a regular file: only regular files are read";
  }

  public Result read(Path file, byte[] bytes) {
    String text;
    try {
      text = strictUtf8().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      return failed(file, firstBadByte(bytes), "not valid UTF-8 text");
    }
    List<YNode> docs = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    Set<Integer> spoiled = new HashSet<>();
    try (JsonParser parser = factory.createParser(text)) {
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        int before = problems.size();
        YNode doc = readNode(parser, token, file, problems, 0);
        if (problems.size() > before) {
          spoiled.add(docs.size());
        }
        docs.add(doc);
      }
    } catch (JsonProcessingException e) {
      stopped(docs, spoiled);
      problems.add(
          e.getCause() instanceof org.yaml.snakeyaml.reader.ReaderException r
              ? Problem.error(
                  file,
                  atCodePoint(text, r.getPosition()),
                  "YAML syntax error: special characters are not allowed (U+"
                      + String.format("%04X", r.getCodePoint())
                      + ")")
              : syntaxProblem(file, e));
    } catch (IOException e) {
      stopped(docs, spoiled);
      problems.add(Problem.error(file, Pos.START, "cannot read: " + e.getMessage()));
    }
    return new Result(docs, problems, spoiled);
  }

  /** Reading stopped at an error after the last document read began: that one is not trusted. */
  private static void stopped(List<YNode> docs, Set<Integer> spoiled) {
    if (!docs.isEmpty()) {
      spoiled.add(docs.size() - 1);
    }
  }

  private YNode readNode(
      JsonParser p, JsonToken token, Path file, List<Problem> problems, int depth)
      throws IOException {
    Pos here = pos(p.currentTokenLocation());
    if (p instanceof YAMLParser yp && yp.isCurrentAlias()) {
      throw new AliasException(p, here);
    }
    if (depth >= MAX_DEPTH - 1
        && (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY)) {
      // refused here, at the offending map or list, before Jackson's own limit (which has no
      // location)
      throw new TooDeepException(p);
    }
    if (p instanceof YAMLParser yp && yp.getTypeId() != null) {
      // a tag asks a YAML library to build an object (`!!python/object`) or to convert (`!!str`):
      // virtd and cloud-init would disagree on what the value is
      problems.add(
          Problem.error(
              file,
              here,
              "YAML tags (`!name`, `!!type`) are not allowed in manifests: write the value plainly"));
    }
    switch (token) {
      case START_OBJECT -> {
        List<YNode.Entry> entries = new ArrayList<>();
        Map<String, Pos> seen = new HashMap<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_OBJECT) {
          String key = p.currentName();
          Pos keyPos = pos(p.currentTokenLocation());
          YNode value = readNode(p, p.nextToken(), file, problems, depth + 1);
          Pos first = seen.putIfAbsent(key, keyPos);
          if (key.equals("<<")) {
            // YAML 1.1's merge key: cloud-init's loader would merge, virtd would see a key
            problems.add(
                Problem.error(
                    file,
                    keyPos,
                    "YAML merge keys (`<<`) are not allowed in manifests: write the keys out"));
          } else if (first != null) {
            problems.add(
                Problem.error(
                    file,
                    keyPos,
                    "duplicate key "
                        + (PLAIN_KEY.matcher(key).matches() ? "`" + key + "` " : "")
                        + "(first set at line "
                        + first.line()
                        + ")"));
          } else {
            entries.add(new YNode.Entry(key, keyPos, value));
          }
        }
        return new YNode.YMap(here, entries);
      }
      case START_ARRAY -> {
        List<YNode> items = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
          items.add(readNode(p, t, file, problems, depth + 1));
        }
        return new YNode.YSeq(here, items);
      }
      case VALUE_STRING -> {
        return new YNode.YScalar(here, p.getText());
      }
      case VALUE_NUMBER_INT -> {
        return new YNode.YScalar(
            here,
            p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                ? p.getBigIntegerValue()
                : (Object) p.getLongValue(),
            p.getText());
      }
      case VALUE_NUMBER_FLOAT -> {
        try {
          return new YNode.YScalar(here, p.getDoubleValue(), p.getText());
        } catch (JsonProcessingException | NumberFormatException e) {
          // `.inf`, `.nan`: YAML floats Jackson cannot read; no key needs them as numbers, so they
          // are kept as the text they are (a valid `desc`, an invalid `memory`), not a syntax error
          return new YNode.YScalar(here, p.getText(), p.getText());
        }
      }
      case VALUE_TRUE -> {
        return new YNode.YScalar(here, Boolean.TRUE, p.getText());
      }
      case VALUE_FALSE -> {
        return new YNode.YScalar(here, Boolean.FALSE, p.getText());
      }
      case VALUE_NULL -> {
        return new YNode.YScalar(here, null);
      }
      default -> {
        return new YNode.YScalar(here, p.getText());
      }
    }
  }

  /** Aliases are refused outright: no manifest needs them and they enable "billion laughs". */
  private static final class TooDeepException extends JsonProcessingException {
    TooDeepException(JsonParser p) {
      super(
          "maps and lists nested more than "
              + (MAX_DEPTH - 1)
              + " deep are not allowed in manifests",
          p.currentTokenLocation());
    }
  }

  private static final class AliasException extends JsonProcessingException {
    AliasException(JsonParser p, Pos pos) {
      super("YAML aliases (*name) are not allowed in manifests", p.currentTokenLocation());
    }
  }

  /**
   * A syntax error as {@code FILE:LINE:COL: message}. SnakeYAML's own message quotes the offending
   * source line, which may hold a secret ({@code user}, {@code vnc_password}); only its context and
   * problem phrases are used, and the location is SnakeYAML's problem mark (or, when the problem is
   * the end of the file, where the unclosed construct began).
   */
  private static Problem syntaxProblem(Path file, JsonProcessingException e) {
    if (e instanceof AliasException || e instanceof TooDeepException) {
      return Problem.error(file, pos(e.getLocation()), e.getOriginalMessage());
    }
    if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException m
        && m.getProblem() != null) {
      String problem = m.getProblem().strip();
      Pos at = mark(m.getProblemMark());
      Pos context = mark(m.getContextMark());
      boolean atEnd = problem.contains("end of stream") || problem.contains("<stream end>");
      if (context != null && (at == null || atEnd)) {
        at = context;
      }
      if (at == null) {
        at = pos(e.getLocation());
      }
      String msg = "YAML syntax error: ";
      if (m.getContext() != null && !m.getContext().isBlank()) {
        msg += m.getContext().strip();
        if (context != null && !context.equals(at)) {
          msg += " (at line " + context.line() + ", column " + context.col() + ")";
        }
        msg += ": ";
      }
      return Problem.error(file, at, msg + problem);
    }
    String msg = e.getOriginalMessage();
    if (msg == null || msg.isBlank()) {
      msg = e.getClass().getSimpleName();
    }
    // Keep the first line only: further lines may quote the source.
    msg = msg.strip();
    int nl = msg.indexOf('\n');
    String first = nl < 0 ? msg : msg.substring(0, nl);
    if (first.startsWith("Expected a field name")) {
      // Jackson names SnakeYAML's event class here (`[1, 2]: x`, `{a: 1}: x`)
      String what =
          first.contains("SequenceStartEvent")
              ? "a list"
              : first.contains("MappingStartEvent") ? "a map" : "this value";
      return Problem.error(
          file,
          pos(e.getLocation()),
          "YAML syntax error: keys must be plain words such as `memory`, not " + what);
    }
    if (first.toLowerCase().contains("exceeds the limit")) {
      return Problem.error(file, pos(e.getLocation()), "file too large for a manifest");
    }
    return Problem.error(file, pos(e.getLocation()), "YAML syntax error: " + first);
  }

  private static Pos mark(org.yaml.snakeyaml.error.Mark m) {
    return m == null ? null : new Pos(m.getLine() + 1, m.getColumn() + 1);
  }

  static Pos pos(JsonLocation loc) {
    if (loc == null || loc.getLineNr() < 1) {
      return Pos.START;
    }
    return new Pos(loc.getLineNr(), Math.max(1, loc.getColumnNr()));
  }

  /**
   * Line and column of the code point at {@code index}: SnakeYAML's reader reports a character YAML
   * forbids (NUL, other control characters) by its index in the stream, and the parser's own
   * location is wherever its read-ahead buffer stood.
   */
  private static Pos atCodePoint(String text, int index) {
    int line = 1;
    int col = 1;
    int i = 0;
    for (int cp = 0; cp < index && i < text.length(); cp++) {
      int c = text.codePointAt(i);
      i += Character.charCount(c);
      if (c == '\n') {
        line++;
        col = 1;
      } else {
        col++;
      }
    }
    return new Pos(line, col);
  }

  private static Result failed(Path file, Pos pos, String message) {
    return new Result(List.of(), List.of(Problem.error(file, pos, message)), Set.of());
  }

  private static CharsetDecoder strictUtf8() {
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
  }

  /** Line and column (in characters) of the first byte that is not valid UTF-8. */
  private static Pos firstBadByte(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length);
    strictUtf8().decode(in, out, true); // stops at the first malformed byte
    out.flip();
    int line = 1;
    int col = 1;
    while (out.hasRemaining()) {
      if (out.get() == '\n') {
        line++;
        col = 1;
      } else {
        col++;
      }
    }
    return new Pos(line, col);
  }
}
