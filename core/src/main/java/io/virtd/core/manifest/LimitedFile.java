package io.virtd.core.manifest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Reads a file a manifest names, as manifests themselves are read: a regular file only (after
 * following symbolic links), and no more than a limit. A FIFO would block the reader forever and
 * {@code /dev/zero} would fill memory; both are refused before anything is read.
 */
public final class LimitedFile {
  private LimitedFile() {}

  /** Why a file was not read, in words a person reads (no Java class names). */
  public static final class Refused extends IOException {
    public Refused(String message) {
      super(message);
    }
  }

  /**
   * The bytes of {@code file}, at most {@code limit} of them.
   *
   * @throws java.nio.file.NoSuchFileException when there is no such file (a broken link too)
   * @throws Refused when it is no regular file, is larger than {@code limit}, or cannot be read
   */
  public static byte[] read(Path file, long limit) throws IOException {
    Path real;
    try {
      real = file.toRealPath();
    } catch (java.nio.file.NoSuchFileException e) {
      throw e;
    } catch (IOException e) {
      throw new Refused("cannot be resolved (" + reason(e) + ")");
    }
    BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class);
    if (!a.isRegularFile()) {
      throw new Refused("is " + kind(a) + ", not a regular file");
    }
    if (a.size() > limit) {
      throw new Refused("is " + a.size() + " bytes; the limit is " + limit);
    }
    try (InputStream in = Files.newInputStream(real)) {
      byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
      if (bytes.length > limit) {
        throw new Refused("is larger than the limit of " + limit + " bytes");
      }
      return bytes;
    } catch (java.nio.file.AccessDeniedException e) {
      throw new Refused("permission denied");
    }
  }

  private static String kind(BasicFileAttributes a) {
    if (a.isDirectory()) {
      return "a directory";
    }
    return a.isOther() ? "a device, FIFO or socket" : "not a regular file";
  }

  private static String reason(IOException e) {
    String m = e.getMessage();
    if (m != null && m.contains("Too many levels of symbolic links")) {
      return "a loop of symbolic links";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    return "an unreadable path";
  }
}
