package org.imwg.solr;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.apache.solr.client.solrj.request.CollectionAdminRequest;
import org.apache.solr.cloud.MiniSolrCloudCluster;
import org.apache.solr.cloud.ZkTestServer;
import org.apache.solr.embedded.JettyConfig;
import org.apache.solr.embedded.JettySolrRunner;

/**
 * Runs Solr from its Maven artifacts, so the suite's tests and benchmarks use a real Solr
 * on the configset docker/ deploys, without a Solr distribution or Docker.
 *
 * <pre>
 * standalone HOME CONFSET PORT        core "ckan" at http://127.0.0.1:PORT/solr/ckan
 * cloud HOME CONFSET ZKPORT PORT...   embedded ZooKeeper, one node per PORT, collection
 *                                     "ckan" with 2 shards x 2 replicas
 * </pre>
 *
 * Both bind 127.0.0.1 only (JettySolrRunner always does) and run until killed.
 *
 * <p>With {@code -Dimwg.solr.control=PORT}, cloud also answers on http://127.0.0.1:PORT (fault
 * tests stop and restart one node, as a crash and a recovery would):
 *
 * <pre>
 * GET  /nodes            one line per node: "N URL running|stopped"
 * POST /nodes/N/stop     stops node N (1-based, in the order of the ports), once it is down
 * POST /nodes/N/start    starts it again on its port, once it is live in ZooKeeper
 * </pre>
 */
public final class Launcher {
  private static final String CORE = "ckan";
  private static final String SOLR_XML =
      "<solr>\n  <str name=\"sharedLib\">${solr.sharedLib:}</str>\n</solr>\n";

  private Launcher() {}

  public static void main(String[] args) throws Exception {
    if (args.length >= 4 && args[0].equals("standalone")) {
      standalone(Path.of(args[1]).toAbsolutePath(), Path.of(args[2]), Integer.parseInt(args[3]));
    } else if (args.length >= 5 && args[0].equals("cloud")) {
      int[] ports = new int[args.length - 4];
      for (int i = 0; i < ports.length; i++) {
        ports[i] = Integer.parseInt(args[i + 4]);
      }
      cloud(Path.of(args[1]).toAbsolutePath(), Path.of(args[2]), Integer.parseInt(args[3]), ports);
    } else {
      System.err.println(
          "usage: standalone HOME CONFSET PORT | cloud HOME CONFSET ZKPORT PORT PORT...");
      System.exit(2);
    }
    new CountDownLatch(1).await(); // Jetty's threads serve; stop with SIGTERM
  }

  /**
   * One core under HOME/ckan whose conf/ is refreshed from the configset at every start (the
   * index under HOME/ckan/data is kept), so an edited configset takes effect on restart.
   */
  private static void standalone(Path home, Path configset, int port) throws Exception {
    Path core = home.resolve(CORE);
    Files.createDirectories(core.resolve("data"));
    Files.writeString(home.resolve("solr.xml"), SOLR_XML, StandardCharsets.UTF_8);
    Files.writeString(
        core.resolve("core.properties"), "name=" + CORE + "\n", StandardCharsets.UTF_8);
    copyTree(configset, core.resolve("conf"));
    JettySolrRunner jetty =
        new JettySolrRunner(
            home.toString(),
            JettyConfig.builder().setPort(port).setContext("/solr").stopAtShutdown(true).build());
    jetty.start();
    System.out.println("Solr " + jetty.getBaseUrl() + "/" + CORE);
  }

  /**
   * A fresh cluster at every start (HOME is emptied): it is for tests and benchmarks, which
   * index what they need.
   */
  private static void cloud(Path home, Path configset, int zkPort, int[] ports) throws Exception {
    deleteTree(home);
    ZkTestServer zk = new ZkTestServer(home.resolve("zookeeper/server1/data"), zkPort);
    zk.run();
    JettyConfig base = JettyConfig.builder().setContext("/solr").stopAtShutdown(true).build();
    MiniSolrCloudCluster cluster =
        new MiniSolrCloudCluster(0, home, MiniSolrCloudCluster.DEFAULT_CLOUD_SOLR_XML, base, zk, false);
    for (int i = 0; i < ports.length; i++) {
      cluster.startJettySolrRunner(
          "node" + (i + 1), "/solr", JettyConfig.builder(base).setPort(ports[i]).build());
    }
    cluster.waitForAllNodes(60);
    cluster.uploadConfigSet(forCloud(configset, home.resolve("configset")), CORE);
    CollectionAdminRequest.createCollection(CORE, CORE, 2, 2).process(cluster.getSolrClient());
    cluster.waitForActiveCollection(CORE, 2, 4);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(cluster)));
    for (JettySolrRunner jetty : cluster.getJettySolrRunners()) {
      System.out.println("SolrCloud node " + jetty.getBaseUrl() + "/" + CORE);
    }
    System.out.println("ZooKeeper " + zk.getZkAddress());
    Integer control = Integer.getInteger("imwg.solr.control");
    if (control != null) {
      control(cluster, List.copyOf(cluster.getJettySolrRunners()), ports, control);
    }
  }

  /**
   * The configset as SolrCloud needs it, written under TO: {@code _version_} a long with
   * docValues. CKAN's schema declares it a string, which a standalone core accepts, but a
   * replica that recovers (a node restarted) replays the updates it buffered by looking
   * versions up in the index, which fails on a string ({@code FunctionValues.longVal}:
   * UnsupportedOperationException) and loses those updates.
   */
  private static Path forCloud(Path configset, Path to) throws IOException {
    copyTree(configset, to);
    Path schema = to.resolve("schema.xml");
    String text = Files.readString(schema, StandardCharsets.UTF_8);
    String cloud =
        text.replaceFirst(
            "<field name=\"_version_\" type=\"string\"[^>]*/>",
            "<field name=\"_version_\" type=\"plong\" indexed=\"false\" stored=\"false\""
                + " docValues=\"true\"/>");
    if (cloud.equals(text) || !text.contains("<fieldType name=\"plong\"")) {
      throw new IllegalStateException("schema.xml: no string _version_ field or no plong type");
    }
    Files.writeString(schema, cloud, StandardCharsets.UTF_8);
    return to;
  }

  /** The control port of the cloud (loopback only): stop and start a node. */
  private static void control(
      MiniSolrCloudCluster cluster, List<JettySolrRunner> nodes, int[] ports, int port)
      throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    server.createContext(
        "/nodes",
        exchange -> {
          try {
            String[] parts = exchange.getRequestURI().getPath().split("/");
            if (parts.length == 2 && exchange.getRequestMethod().equals("GET")) {
              StringBuilder out = new StringBuilder();
              for (int i = 0; i < nodes.size(); i++) {
                JettySolrRunner node = nodes.get(i);
                out.append(i + 1)
                    .append(' ')
                    .append("http://127.0.0.1:")
                    .append(ports[i])
                    .append("/solr ")
                    .append(node.isRunning() ? "running" : "stopped")
                    .append('\n');
              }
              reply(exchange, 200, out.toString());
              return;
            }
            if (parts.length != 4 || !exchange.getRequestMethod().equals("POST")) {
              reply(exchange, 404, "GET /nodes, POST /nodes/N/stop, POST /nodes/N/start\n");
              return;
            }
            int index = Integer.parseInt(parts[2]) - 1;
            if (index < 0 || index >= nodes.size()) {
              reply(exchange, 404, "no node " + parts[2] + "\n");
              return;
            }
            JettySolrRunner node = nodes.get(index);
            synchronized (nodes) {
              if (parts[3].equals("stop")) {
                if (node.isRunning()) {
                  cluster.stopJettySolrRunner(node);
                  cluster.waitForJettyToStop(node);
                }
                reply(exchange, 200, "stopped\n");
              } else if (parts[3].equals("start")) {
                if (!node.isRunning()) {
                  cluster.startJettySolrRunner(node);
                  cluster.waitForNode(node, 60);
                }
                reply(exchange, 200, "started\n");
              } else {
                reply(exchange, 404, "stop or start\n");
              }
            }
          } catch (Exception e) {
            e.printStackTrace();
            reply(exchange, 500, e + "\n");
          }
        });
    server.start();
    System.out.println("Control http://127.0.0.1:" + port + "/nodes");
  }

  private static void reply(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static void shutdown(MiniSolrCloudCluster cluster) {
    try {
      cluster.shutdown();
    } catch (Exception e) {
      e.printStackTrace();
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    deleteTree(to);
    try (Stream<Path> paths = Files.walk(from)) {
      paths.forEach(
          p -> {
            try {
              Path target = to.resolve(from.relativize(p).toString());
              if (Files.isDirectory(p)) {
                Files.createDirectories(target);
              } else {
                Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
              }
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
