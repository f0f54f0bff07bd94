package io.virtd.core.manifest;

import com.fasterxml.jackson.annotation.JsonValue;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParserFactory;
import org.xml.sax.Attributes;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * The value of {@code xml_file}: the template's absolute path and its text, read when the manifest
 * is loaded, so a plan compares what the guest was created from with what the file says now and
 * apply defines the guest from exactly the text that was checked. The text is empty when no file is
 * there: a plan that would create the guest reports that, and one that would not has nothing to
 * compare.
 *
 * <p>Read with the limits of a manifest file (a regular file of at most {@link
 * YamlReader#MAX_FILE_BYTES}), as UTF-8, and checked to be a well-formed {@code <domain>} document.
 */
public record XmlFile(String path, Optional<String> content) {
  public XmlFile {
    java.util.Objects.requireNonNull(path);
    java.util.Objects.requireNonNull(content);
  }

  /** The file at {@code path}; a problem with it is a {@link BadValue} at {@code pos}. */
  static XmlFile read(String path, Pos pos, String key) {
    byte[] bytes;
    try {
      bytes = LimitedFile.read(Path.of(path), YamlReader.MAX_FILE_BYTES);
    } catch (NoSuchFileException e) {
      return new XmlFile(path, Optional.empty());
    } catch (IOException e) {
      String why = e instanceof LimitedFile.Refused ? e.getMessage() : "cannot be read";
      throw new BadValue(pos, "`" + key + "` " + path + " " + why);
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw new BadValue(pos, "`" + key + "` " + path + " is not UTF-8 text");
    }
    Optional<String> problem = problem(text);
    if (problem.isPresent()) {
      throw new BadValue(pos, "`" + key + "` " + path + ":" + problem.get());
    }
    return new XmlFile(path, Optional.of(text));
  }

  /**
   * Why {@code text} is no libvirt domain definition, as {@code LINE:COL: message} (the position in
   * the XML file), or empty. Parsed without DTDs or external entities, and with errors kept off
   * standard error (the JDK's parser prints {@code [Fatal Error]} lines there by default).
   */
  static Optional<String> problem(String text) {
    try {
      SAXParserFactory f = SAXParserFactory.newInstance();
      f.setNamespaceAware(true);
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setFeature("http://xml.org/sax/features/external-general-entities", false);
      f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
      f.setXIncludeAware(false);
      f.newSAXParser().parse(new InputSource(new StringReader(text)), new RootCheck());
      return Optional.empty();
    } catch (SAXParseException e) {
      return Optional.of(e.getLineNumber() + ":" + e.getColumnNumber() + ": " + e.getMessage());
    } catch (SAXException | ParserConfigurationException | IOException e) {
      return Optional.of("1:1: not a well-formed XML document");
    }
  }

  /** A DefaultHandler is also the error handler: it throws on fatal errors and prints nothing. */
  private static final class RootCheck extends DefaultHandler {
    private org.xml.sax.Locator locator;
    private boolean root = true;

    @Override
    public void setDocumentLocator(org.xml.sax.Locator l) {
      locator = l;
    }

    @Override
    public void startElement(String uri, String local, String qName, Attributes atts)
        throws SAXException {
      if (root && (!uri.isEmpty() || !local.equals("domain"))) {
        throw new SAXParseException(
            "the document is not a libvirt <domain> definition (its root element is <"
                + qName
                + ">)",
            locator);
      }
      root = false;
    }
  }

  /** What plans show: the path; the text stays out of plans and logs. */
  @JsonValue
  @Override
  public String toString() {
    return path;
  }
}
