/**
 * Interop with real clients from Debian's packages (installed by .ci/run): curl, ab, h2load and
 * Python's http.client. The daemon runs in this process; the clients run as child processes
 * awaited asynchronously so the server keeps serving meanwhile.
 */
import { describe, expect } from "bun:test";
import { pathEcho, startDaemon } from "../helpers/servers.ts";
import { peerTest } from "../helpers/peers.ts";
import { run } from "../helpers/spawn.ts";

describe("real clients", () => {
  peerTest(["curl"], "curl --http1.0 reuses a keep-alive connection", async () => {
    await using srv = startDaemon({ "/": pathEcho() });
    const url = `http://127.0.0.1:${srv.port}`;
    const r = await run(["curl", "--http1.0", "-sv", "-H", "Connection: keep-alive", `${url}/one`, `${url}/two`]);
    expect(r.code).toBe(0);
    expect(r.out).toBe("GET /one [one]GET /two [two]");
    expect(r.err).toMatch(/Re-?using existing( http:)? connection/i);
    expect(r.err).toContain("HTTP/1.0 200 OK");
  });

  peerTest(["ab"], "ab -k: every request kept alive, 0 failures", async () => {
    await using srv = startDaemon({ "/": pathEcho() });
    const r = await run(["ab", "-k", "-n", "2000", "-c", "8", `http://127.0.0.1:${srv.port}/ab`]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Complete requests:\s+2000/);
    expect(r.out).toMatch(/Failed requests:\s+0/);
    expect(r.out).toMatch(/Keep-Alive requests:\s+2000/);
    expect(r.out).not.toMatch(/Non-2xx responses/);
  });

  peerTest(["python3"], "Python http.client keeps the connection open across requests", async () => {
    await using srv = startDaemon({ "/": pathEcho() });
    const script = `
import http.client
c = http.client.HTTPConnection("127.0.0.1", ${srv.port}, timeout=10)
socks = set()
for p in ["/a", "/b", "/c"]:
    c.request("GET", p)
    r = c.getresponse()
    body = r.read().decode()
    socks.add(id(c.sock))
    print(r.status, body, r.getheader("Connection"), c.sock is not None)
print("sockets", len(socks))
`;
    const r = await run(["python3", "-c", script]);
    expect(r.err).toBe("");
    expect(r.out).toBe("200 GET /a [a] keep-alive True\n200 GET /b [b] keep-alive True\n200 GET /c [c] keep-alive True\nsockets 1\n");
  });

  peerTest(["h2load"], "h2load --h1 -m 16 pipelining: all 2xx", async () => {
    await using srv = startDaemon({ "/": pathEcho() });
    const r = await run(["h2load", "--h1", "-n", "3200", "-c", "4", "-m", "16", `http://127.0.0.1:${srv.port}/p`]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/requests: 3200 total, 3200 started, 3200 done, 3200 succeeded, 0 failed, 0 errored/);
    expect(r.out).toMatch(/status codes: 3200 2xx, 0 3xx, 0 4xx, 0 5xx/);
  });
});
