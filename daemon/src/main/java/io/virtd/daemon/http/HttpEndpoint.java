package io.virtd.daemon.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.virtd.core.config.Config;
import io.virtd.core.control.ControlCommand;
import io.virtd.core.control.ControlReply;
import io.virtd.core.control.ControlRequest;
import io.virtd.core.control.GuestState;
import io.virtd.core.manifest.Problem;
import io.virtd.daemon.ControlServer;
import io.virtd.fleet.EtcdClients;
import io.virtd.fleet.FleetView;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's HTTP endpoint: status page, JSON API, metrics and health, on the JDK's own HTTP
 * server. Every answer about guests comes from the control socket's handler, so the API and {@code
 * virtctl status --json} cannot disagree. Reading needs no token; every POST needs the bearer token
 * of {@code token_file}.
 */
public final class HttpEndpoint implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpEndpoint.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String API = "/api/v1/guests";
  private static final String FLEET = "/api/v1/fleet";
  private static final Set<String> ACTIONS = Set.of("reconcile", "hold", "release");

  /** Scripts and styles only from this endpoint; nothing else is loaded, framed or posted. */
  static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
          + " img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private final HttpServer server;
  private final ExecutorService threads;
  private volatile Optional<BearerToken> token;
  private final Metrics metrics;
  private final Config.Http config;
  private volatile ControlServer.Handler handler;
  private volatile Supplier<Optional<String>> unhealthy = () -> Optional.of("starting");
  private volatile Optional<FleetReader> fleet = Optional.empty();

  private HttpEndpoint(
      HttpServer server, Optional<BearerToken> token, Metrics metrics, Config.Http config) {
    this.server = server;
    this.token = token;
    this.metrics = metrics;
    this.config = config;
    this.threads =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "virtd-http");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(threads);
    server.createContext("/", this::exchange);
  }

  /**
   * Listens as {@code http} says; empty when it says {@code listen: off}. A token file readable by
   * others, a TLS file that cannot be read or an address in use refuse to start.
   */
  public static Optional<HttpEndpoint> open(Config.Http http, Path configFile, Metrics metrics)
      throws BearerToken.Refused {
    if (http.listen().isEmpty()) {
      return Optional.empty();
    }
    Config.Listen listen = http.listen().get();
    Optional<BearerToken> token = Optional.empty();
    if (http.tokenFile().isPresent()) {
      token = Optional.of(BearerToken.read(http.tokenFile().get(), configFile, http.tokenFileAt()));
    }
    HttpServer server;
    try {
      InetSocketAddress at = new InetSocketAddress(listen.host(), listen.port());
      if (http.tls().isPresent()) {
        HttpsServer https = HttpsServer.create(at, 16);
        https.setHttpsConfigurator(
            new HttpsConfigurator(PemTls.context(http.tls().get().cert(), http.tls().get().key())));
        server = https;
      } else {
        server = HttpServer.create(at, 16);
      }
    } catch (IOException | GeneralSecurityException e) {
      throw new BearerToken.Refused(
          Problem.error(
              configFile,
              io.virtd.core.manifest.Pos.START,
              "`http`: cannot listen on " + listen + ": " + e.getMessage()));
    }
    HttpEndpoint endpoint = new HttpEndpoint(server, token, metrics, http);
    server.start();
    if (!listen.loopback() && http.tls().isEmpty()) {
      log.warn(
          "http: listening on {} without TLS: the token and the status travel in clear; set"
              + " http.tls",
          listen);
    }
    log.info(
        "http: {}://{}/ (status page, {} , /metrics){}",
        http.tls().isPresent() ? "https" : "http",
        new Config.Listen(listen.host(), endpoint.port()),
        API,
        token.isPresent() ? "" : "; no token_file: POST is refused");
    return Optional.of(endpoint);
  }

  /** The configuration this endpoint was opened with (a reload re-opens it when that changes). */
  public Config.Http config() {
    return config;
  }

  /**
   * Reads the token file again (a reload: the operator may have replaced the token); a file that is
   * now unsafe or unreadable is refused and the token in use is kept.
   */
  public void rereadToken(Path configFile) throws BearerToken.Refused {
    if (config.tokenFile().isPresent()) {
      token =
          Optional.of(BearerToken.read(config.tokenFile().get(), configFile, config.tokenFileAt()));
    }
  }

  /** The port it listens on (the configured one, or the one chosen for port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  /**
   * From now on {@code next} answers, and {@code health} says why the loop is not running (empty
   * while it is).
   */
  public void serveWith(ControlServer.Handler next, Supplier<Optional<String>> health) {
    handler = next;
    unhealthy = health;
  }

  /** In fleet mode, where {@code /api/v1/fleet} and the page's fleet section read; else empty. */
  public void showFleet(Optional<FleetReader> reader) {
    fleet = reader;
  }

  /** The reconcile loop stopped (stopping, reloading): /healthz says so; reads still answer. */
  public void down(String reason) {
    unhealthy = () -> Optional.of(reason);
  }

  private void exchange(HttpExchange ex) throws IOException {
    try (ex) {
      var h = ex.getResponseHeaders();
      h.set("Content-Security-Policy", CSP);
      h.set("X-Content-Type-Options", "nosniff");
      h.set("X-Frame-Options", "DENY");
      h.set("Referrer-Policy", "no-referrer");
      h.set("Cache-Control", "no-store");
      try (InputStream in = ex.getRequestBody()) {
        in.readNBytes(64 * 1024); // a POST's body is not used
      }
      route(ex);
    } catch (RuntimeException e) {
      log.warn(
          "http: {} {}: {}", ex.getRequestMethod(), ex.getRequestURI().getPath(), e.toString());
    }
  }

  private void route(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    String method = ex.getRequestMethod();
    switch (path) {
      case "/" -> {
        if (get(ex, method)) {
          page(ex);
        }
      }
      case "/page.js", "/page.css" -> {
        if (get(ex, method)) {
          asset(ex, path.substring(1));
        }
      }
      case "/healthz" -> {
        if (get(ex, method)) {
          Optional<String> why = unhealthy.get();
          text(ex, why.isPresent() ? 503 : 200, why.map(w -> w + "\n").orElse("ok\n"));
        }
      }
      case "/metrics" -> {
        if (get(ex, method)) {
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          metrics.write(out);
          send(ex, 200, metrics.contentType(), out.toByteArray());
        }
      }
      case API -> {
        if (get(ex, method)) {
          Optional<ControlReply.Status> reply = status(ex, List.of());
          if (reply.isPresent()) {
            json(ex, 200, reply.get().guests());
          }
        }
      }
      case FLEET -> {
        if (get(ex, method)) {
          fleet(ex);
        }
      }
      default -> guest(ex, path, method);
    }
  }

  /**
   * {@code virtctl fleet status --json} ({@code ?guests}: with {@code --guests}); 404 outside fleet
   * mode, 503 when etcd does not answer.
   */
  private void fleet(HttpExchange ex) throws IOException {
    Optional<FleetReader> reader = fleet;
    if (reader.isEmpty()) {
      error(
          ex,
          404,
          "not in fleet mode: this daemon reads its manifests from a directory (no `store` in its"
              + " configuration)");
      return;
    }
    List<FleetView.HostView> views;
    try {
      views = reader.get().read();
    } catch (Exception e) {
      error(ex, 503, unread(e));
      return;
    }
    json(ex, 200, FleetView.json(views, withGuests(ex.getRequestURI().getRawQuery())));
  }

  /** {@code guests}, {@code guests=true} or {@code guests=1} among the query's parameters. */
  static boolean withGuests(String query) {
    if (query == null) {
      return false;
    }
    for (String p : query.split("&")) {
      if (p.equals("guests") || p.equals("guests=true") || p.equals("guests=1")) {
        return true;
      }
    }
    return false;
  }

  /** {@code /api/v1/guests/NAME} and {@code …/NAME/ACTION}. */
  private void guest(HttpExchange ex, String path, String method) throws IOException {
    if (!path.startsWith(API + "/")) {
      error(ex, 404, "no such page: " + path);
      return;
    }
    String[] parts = path.substring(API.length() + 1).split("/", -1);
    String name = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
    if (parts.length == 1 && !name.isEmpty()) {
      if (get(ex, method)) {
        Optional<ControlReply.Status> reply = status(ex, List.of(name));
        if (reply.isPresent()) {
          Optional<GuestState> g =
              reply.get().guests().stream().filter(s -> s.name().equals(name)).findFirst();
          if (g.isPresent()) {
            json(ex, 200, g.get());
          } else {
            error(ex, 404, "`" + name + "` is declared but not reconciled yet");
          }
        }
      }
      return;
    }
    if (parts.length != 2 || name.isEmpty() || !ACTIONS.contains(parts[1])) {
      error(ex, 404, "no such page: " + path);
      return;
    }
    if (!method.equals("POST")) {
      ex.getResponseHeaders().set("Allow", "POST");
      error(ex, 405, method + " is not allowed here; use POST");
      return;
    }
    Optional<BearerToken> token = this.token;
    if (token.isEmpty() || !token.get().accepts(ex.getRequestHeaders().getFirst("Authorization"))) {
      ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"virtd\"");
      error(
          ex,
          401,
          token.isEmpty()
              ? "POST needs a token, and the configuration sets no http.token_file"
              : "POST needs the header `Authorization: Bearer TOKEN` with the token of"
                  + " http.token_file");
      return;
    }
    ControlServer.Handler h = handler;
    if (h == null) {
      error(ex, 503, "virtd is starting; try again in a moment");
      return;
    }
    ControlReply reply = h.handle(new ControlRequest(parts[1], List.of(name)));
    if (reply instanceof ControlReply.Refused r) {
      error(ex, 404, r.error());
      return;
    }
    log.info("resource={} {} asked over HTTP", name, parts[1]);
    json(ex, 200, reply);
  }

  /**
   * The control socket's status answer; empty (after answering the request) while starting, or 404
   * when {@code names} holds a name no manifest declares.
   */
  private Optional<ControlReply.Status> status(HttpExchange ex, List<String> names)
      throws IOException {
    ControlServer.Handler h = handler;
    if (h == null) {
      error(ex, 503, "virtd is starting; try again in a moment");
      return Optional.empty();
    }
    ControlReply reply = h.handle(new ControlRequest(ControlCommand.STATUS, names));
    if (reply instanceof ControlReply.Status s) {
      return Optional.of(s);
    }
    error(ex, 404, ((ControlReply.Refused) reply).error());
    return Optional.empty();
  }

  private void page(HttpExchange ex) throws IOException {
    ControlServer.Handler h = handler;
    ControlReply reply =
        h == null
            ? new ControlReply.Refused("virtd is starting")
            : h.handle(new ControlRequest(ControlCommand.STATUS, List.of()));
    send(
        ex,
        200,
        "text/html; charset=utf-8",
        StatusPage.render(reply, unhealthy.get(), fleetSection()).getBytes(StandardCharsets.UTF_8));
  }

  /** The page's fleet section; empty outside fleet mode. */
  private String fleetSection() {
    Optional<FleetReader> reader = fleet;
    if (reader.isEmpty()) {
      return "";
    }
    try {
      return StatusPage.fleet(reader.get().read(), Optional.empty());
    } catch (Exception e) {
      return StatusPage.fleet(List.of(), Optional.of(unread(e)));
    }
  }

  /** Why the fleet could not be read, in one line. */
  private static String unread(Exception e) {
    return e instanceof FleetReader.Unavailable u
        ? u.getMessage()
        : "etcd: " + EtcdClients.describe(e);
  }

  private static void asset(HttpExchange ex, String name) throws IOException {
    try (InputStream in = HttpEndpoint.class.getResourceAsStream(name)) {
      if (in == null) {
        error(ex, 404, "no such page: /" + name);
        return;
      }
      send(
          ex,
          200,
          name.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8",
          in.readAllBytes());
    }
  }

  /** Whether the method is GET (or HEAD); answers 405 otherwise. */
  private static boolean get(HttpExchange ex, String method) throws IOException {
    if (method.equals("GET") || method.equals("HEAD")) {
      return true;
    }
    ex.getResponseHeaders().set("Allow", "GET, HEAD");
    error(ex, 405, method + " is not allowed here; use GET");
    return false;
  }

  private static void error(HttpExchange ex, int code, String message) throws IOException {
    ObjectNode body = JSON.createObjectNode().put("error", message);
    json(ex, code, body);
  }

  private static void json(HttpExchange ex, int code, Object body) throws IOException {
    send(ex, code, "application/json", JSON.writeValueAsBytes(body));
  }

  private static void text(HttpExchange ex, int code, String body) throws IOException {
    send(ex, code, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange ex, int code, String type, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    boolean head = ex.getRequestMethod().equals("HEAD");
    ex.sendResponseHeaders(code, head ? -1 : body.length == 0 ? -1 : body.length);
    if (!head && body.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
