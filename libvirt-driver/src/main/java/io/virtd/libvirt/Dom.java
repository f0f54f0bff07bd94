package io.virtd.libvirt;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.ErrorHandler;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * The few DOM operations libvirt's XML documents (domains, pools, volumes) are built and edited
 * with. Elements are looked up in no namespace, so another tool's metadata is never mistaken for
 * libvirt's; parsing refuses DTDs and prints nothing.
 */
final class Dom {
  private Dom() {}

  static Element child(Element parent, String name) {
    Element e = parent.getOwnerDocument().createElement(name);
    parent.appendChild(e);
    return e;
  }

  static Element text(Element parent, String name, String text) {
    Element e = child(parent, name);
    e.setTextContent(text);
    return e;
  }

  /** Sets the text of the first {@code name} child, creating it when missing. */
  static Element setText(Element parent, String name, String text) {
    Element e = firstOrChild(parent, name);
    e.setTextContent(text);
    return e;
  }

  /** The first {@code name} child, or a new one appended when there is none. */
  static Element firstOrChild(Element parent, String name) {
    Element e = first(parent, name);
    return e != null ? e : child(parent, name);
  }

  static void copyChild(Element from, Element to, String name) {
    Element e = first(from, name);
    if (e != null) {
      to.appendChild(e.cloneNode(true));
    }
  }

  static Element first(Element parent, String name) {
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getNamespaceURI() == null && e.getTagName().equals(name)) {
        return e;
      }
    }
    return null;
  }

  static List<Element> children(Element parent, String name) {
    List<Element> out = new ArrayList<>();
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getNamespaceURI() == null && e.getTagName().equals(name)) {
        out.add(e);
      }
    }
    return out;
  }

  static Document newDocument() {
    try {
      return builderFactory().newDocumentBuilder().newDocument();
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException(e);
    }
  }

  static Document parse(String xml) {
    try {
      DocumentBuilder b = builderFactory().newDocumentBuilder();
      b.setErrorHandler(QUIET); // the JDK's default prints "[Fatal Error] ..." on standard error
      return b.parse(new InputSource(new StringReader(xml)));
    } catch (ParserConfigurationException | SAXException | IOException e) {
      throw new DomainWriter.Unsupported(
          "not a well-formed domain XML document: " + e.getMessage());
    }
  }

  /** Errors become the parse's exception; nothing is printed. */
  private static final ErrorHandler QUIET =
      new ErrorHandler() {
        @Override
        public void warning(SAXParseException e) {}

        @Override
        public void error(SAXParseException e) throws SAXException {
          throw e;
        }

        @Override
        public void fatalError(SAXParseException e) throws SAXException {
          throw e;
        }
      };

  private static DocumentBuilderFactory builderFactory() throws ParserConfigurationException {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    f.setXIncludeAware(false);
    f.setExpandEntityReferences(false);
    return f;
  }

  static String serialize(Document doc) {
    try {
      TransformerFactory tf = TransformerFactory.newInstance();
      tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
      tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_STYLESHEET, "");
      Transformer t = tf.newTransformer();
      t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
      t.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
      StringWriter out = new StringWriter();
      t.transform(new DOMSource(doc), new StreamResult(out));
      return out.toString();
    } catch (TransformerException e) {
      throw new IllegalStateException("cannot serialise domain XML", e);
    }
  }
}
