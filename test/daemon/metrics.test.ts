/**
 * The metrics page (SPEC §14) parsed by Prometheus' own parser (python3-prometheus-client): after
 * known requests over HTTP/1.1 and HTTP/2 — GET 200s, a POST 404, a 5xx, a slow answer — the counts
 * by method and status class, the duration histogram, the bytes and the connections by activity
 * are what they must be. Real sockets, a real parser; no regular expression reads the page.
 */
import { expect } from "bun:test";
import { HttpServlet, MetricsServer, type HttpSession } from "../../src/index.ts";
import { Service, ServiceFailure, services } from "../../src/entry/services.ts";
import { peerTest } from "../helpers/peers.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { FnServer, startDaemon, TextServlet } from "../helpers/servers.ts";

/** Answers after `ms` (a request whose duration lands past the first buckets). */
class Slow extends HttpServlet {
  override processRequest(): void {
    this.defer();
    const timer = setTimeout(() => this.sendDocument(200, "text/plain", "slow"), 60);
    this.signal.addEventListener("abort", () => clearTimeout(timer));
  }
}

type Families = Record<string, { type: string; samples: [string, Record<string, string>, number][] }>;

/** The page, parsed by prometheus_client. */
async function scrape(port: number): Promise<Families> {
  const page = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(page.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  const py = Bun.spawn(["python3", "test/helpers/prometheus-parse.py"], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  py.stdin.write(await page.text());
  py.stdin.end();
  const [out, err, code] = await Promise.all([new Response(py.stdout).text(), new Response(py.stderr).text(), py.exited]);
  if (code !== 0) throw new Error(`prometheus_client refused the page: ${err}`);
  return JSON.parse(out) as Families;
}

/** The value of `name` whose labels include `labels`, 0 when absent. */
function value(f: Families, family: string, name: string, labels: Record<string, string> = {}): number {
  const match = f[family]?.samples.find(([n, l]) => n === name && Object.entries(labels).every(([k, v]) => l[k] === v));
  return match?.[2] ?? 0;
}

peerTest(["python3-prometheus-client", "curl"], "the page, parsed by Prometheus' parser, counts what happened", async () => {
  const app = new FnServer((s: HttpSession) => {
    if (s.servletPath() === "slow") return new Slow(s);
    if (s.servletPath() === "boom") throw new Error("servlet() failed");
    if (s.servletPath() === "ws")
      return new (class extends HttpServlet {
        override processRequest(): void {
          this.upgrade();
        }
      })(s);
    if (s.requestMethod() === "POST") return null;
    return new TextServlet(s, "hello");
  });
  await using srv = startDaemon({ "/app": app });
  srv.daemon.attach("/metrics", new MetricsServer(srv.daemon));
  const before = await scrape(srv.port); // the scrape itself is a GET 200 from now on

  using c = await RawClient.connect(srv.port);
  for (let i = 0; i < 3; i++) await c.request("GET /app/x HTTP/1.1\r\nHost: x\r\n\r\n");
  await c.request("POST /app/x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  await c.request("GET /app/slow HTTP/1.1\r\nHost: x\r\n\r\n");
  using c2 = await RawClient.connect(srv.port);
  await c2.request("GET /app/boom HTTP/1.1\r\nHost: x\r\n\r\n");
  const h2 = Bun.spawn(["curl", "-s", "--http2-prior-knowledge", "-I", `http://127.0.0.1:${srv.port}/app/x`], { stdout: "pipe" });
  expect(await new Response(h2.stdout).text()).toStartWith("HTTP/2 200");
  using ws = await RawClient.connect(srv.port);
  ws.send(
    "GET /app/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
  );
  await ws.until(() => ws.text().includes("\r\n\r\n"));
  expect(ws.text()).toStartWith("HTTP/1.1 101 ");
  using idle = await RawClient.connect(srv.port);
  idle.send("GET /app/x HTTP/1.1\r\n"); // half a head: a connection reading

  // Service calls made in this process: two answered, one failing with the service's own code, one to nobody.
  const metered = new Service("metered");
  metered.exportMethod((x: number) => {
    if (x < 0) throw new ServiceFailure(7, "negative", "metered");
    return x;
  }, "echo");
  try {
    await services.call("metered", "echo", [1]);
    await services.call("metered", "echo", [2]);
    await services.call("metered", "echo", [-1]).catch(() => {});
    await services.call("nobody-here", "x").catch(() => {});
  } finally {
    metered.retire();
  }

  const f = await scrape(srv.port);
  const calls = (outcome: string) =>
    value(f, "netsvc_service_calls", "netsvc_service_calls_total", { outcome }) -
    value(before, "netsvc_service_calls", "netsvc_service_calls_total", { outcome });
  expect([calls("ok"), calls("failed"), calls("no_such_service")]).toEqual([2, 1, 1]);
  expect(f.netsvc_requests?.type).toBe("counter");
  const requests = (method: string, code: string) =>
    value(f, "netsvc_requests", "netsvc_requests_total", { method, code }) -
    value(before, "netsvc_requests", "netsvc_requests_total", { method, code });
  expect(requests("GET", "2xx")).toBe(3 + 1 + 1); // three hellos, the slow one, the first scrape
  expect(requests("HEAD", "2xx")).toBe(1); // curl -I over HTTP/2
  expect(requests("POST", "4xx")).toBe(1);
  expect(requests("GET", "5xx")).toBe(1);
  expect(requests("GET", "1xx")).toBe(1); // the WebSocket's 101

  expect(f.netsvc_request_duration_seconds?.type).toBe("histogram");
  const bucket = (le: string) => value(f, "netsvc_request_duration_seconds", "netsvc_request_duration_seconds_bucket", { le });
  const count = value(f, "netsvc_request_duration_seconds", "netsvc_request_duration_seconds_count");
  expect(bucket("+Inf")).toBe(count);
  expect(count).toBe(9); // every response completed before this scrape, the 101 included
  expect(bucket("0.05")).toBe(count - 1); // all but the slow one (60 ms) …
  expect(bucket("0.1")).toBe(count); // … which is within 100 ms
  expect(value(f, "netsvc_request_duration_seconds", "netsvc_request_duration_seconds_sum")).toBeGreaterThanOrEqual(0.06);

  expect(value(f, "netsvc_received_bytes", "netsvc_received_bytes_total")).toBeGreaterThan(5 * 30);
  expect(value(f, "netsvc_sent_bytes", "netsvc_sent_bytes_total")).toBeGreaterThan(5 * 100);
  expect(f.netsvc_open_connections?.type).toBe("gauge");
  const open = (state: string) => value(f, "netsvc_open_connections", "netsvc_open_connections", { state });
  expect(open("reading")).toBe(2); // the half head, and the scrape's own request (its answer not begun while the page is made)
  expect(open("idle")).toBeGreaterThanOrEqual(2); // c and c2, between requests
  expect(open("writing")).toBe(0);
  expect(open("websocket")).toBe(1);
  expect(value(f, "netsvc_connections", "netsvc_connections_total", { outcome: "accepted" })).toBeGreaterThanOrEqual(5);
  expect(value(f, "netsvc_events", "netsvc_events_total", { kind: "servlet_error" })).toBe(1); // servlet() threw: a 500, logged
  expect(srv.errors.length).toBe(1);
});

peerTest(["python3-prometheus-client"], "the binary's --metrics PATH serves the page, behind --auth as everything else", async () => {
  const { spawnWithOutput } = await import("../helpers/spawn.ts");
  const { child, out } = spawnWithOutput([
    process.execPath,
    "src/cli.ts",
    "--port",
    "0",
    "--metrics",
    "/metrics",
    "--auth",
    "ops:secret",
    "test/fixtures",
  ]);
  try {
    const url = await out.url();
    expect((await fetch(`${url}metrics`)).status).toBe(401);
    const page = await fetch(`${url}metrics`, { headers: { authorization: `Basic ${btoa("ops:secret")}` } });
    expect(page.status).toBe(200);
    const py = Bun.spawn(["python3", "test/helpers/prometheus-parse.py"], { stdin: "pipe", stdout: "pipe" });
    py.stdin.write(await page.text());
    py.stdin.end();
    const families = JSON.parse(await new Response(py.stdout).text()) as Record<string, unknown>;
    expect(Object.keys(families)).toContain("netsvc_request_duration_seconds");
    expect(await py.exited).toBe(0);
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
  } finally {
    child.kill("SIGKILL");
  }
});
