/** The binary's flags (SPEC §9), run from source with `bun src/cli.ts`. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { firstValue } from "./helpers/eventually.ts";
import { RawClient } from "./helpers/raw-client.ts";
import { spawnWithOutput, withCli } from "./helpers/spawn.ts";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "netsvc-cli-"));
  mkdirSync(join(dir, "site"));
  writeFileSync(join(dir, "site", "index.html"), "index");
  writeFileSync(join(dir, "site", "home.htm"), "home");
  writeFileSync(join(dir, "site", "code.py"), "print(1)");
  writeFileSync(join(dir, "site", "old.bak"), "old");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("--version and -v print the package's version and exit 0", async () => {
  const version = (await Bun.file("package.json").json()).version as string;
  for (const flag of ["--version", "-v"]) {
    const p = Bun.spawn([process.execPath, "src/cli.ts", flag], { stdout: "pipe" });
    expect(await new Response(p.stdout).text()).toBe(`netsvc ${version}\n`);
    expect(await p.exited).toBe(0);
  }
});

test("--help prints the flags and exits 0", async () => {
  const p = Bun.spawn([process.execPath, "src/cli.ts", "--help"], { stdout: "pipe" });
  const text = await new Response(p.stdout).text();
  expect(await p.exited).toBe(0);
  for (const flag of [
    "--port",
    "--host",
    "--index",
    "--hide",
    "--map",
    "--plugin",
    "--echo",
    "--auth",
    "--allow",
    "--log",
    "--workers",
    "--max-requests",
    "--max-connections",
    "--cache",
    "--cors",
    "--spa",
    "--list",
    "--compress",
    "--log-format",
  ]) {
    expect(text).toContain(flag);
  }
});

test("a bad flag exits 2 with a message", async () => {
  const p = Bun.spawn([process.execPath, "src/cli.ts", "--nonsense"], { stdout: "pipe", stderr: "pipe" });
  expect(await p.exited).toBe(2);
  expect(await new Response(p.stderr).text()).toContain("unknown option --nonsense");
});

test("root, --index, --hide, --map, --echo, --log", async () => {
  const log = join(dir, "access.log");
  await withCli(
    [join(dir, "site"), "--port", "0", "--index", "home.htm", "--hide", ".bak", "--map", ".py=text/plain", "--echo", "/echo", "--log", log],
    async (base) => {
      expect(await (await fetch(base)).text()).toBe("home");
      expect((await fetch(base + "old.bak")).status).toBe(404);
      expect((await fetch(base + "code.py")).headers.get("content-type")).toBe("text/plain");
      expect(await (await fetch(base + "echo/x")).text()).toContain("<tr><th>servletPath</th><td>x</td></tr>");
    },
  );
  const lines = readFileSync(log, "utf8").trim().split("\n");
  expect(lines.length).toBe(4);
  expect(lines[0]).toMatch(
    /^127\.0\.0\.1 - - \[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "GET http:\/\/127\.0\.0\.1:\d+\/ HTTP\/1\.1" 200 \d+$/,
  );
});

test("--max-connections sets the connection limit: past it, the connection idle the longest is closed for a newcomer", async () => {
  await withCli([join(dir, "site"), "--port", "0", "--max-connections", "2"], async (base) => {
    const port = Number(new URL(base).port);
    using first = await RawClient.connect(port);
    using second = await RawClient.connect(port);
    expect((await second.request("GET / HTTP/1.1\r\nHost: x\r\n\r\n")).body).toBe("index");
    using third = await RawClient.connect(port);
    expect((await third.request("GET / HTTP/1.1\r\nHost: x\r\n\r\n")).body).toBe("index");
    await first.untilClosed(); // silent since it connected: the oldest idle one
    expect(first.length).toBe(0);
    expect(second.closed).toBe(false);
  });
});

test("NETSVC_ACCESS_LOG switches the access log on without --log", async () => {
  const log = join(dir, "env-access.log");
  await withCli(
    [join(dir, "site"), "--port", "0"],
    async (base) => {
      expect((await fetch(base + "code.py")).status).toBe(200);
    },
    { NETSVC_ACCESS_LOG: log },
  );
  expect(readFileSync(log, "utf8")).toMatch(/"GET http:\/\/127\.0\.0\.1:\d+\/code\.py HTTP\/1\.1" 200 \d+\n$/);
});

test("--auth protects everything; --allow admits loopback", async () => {
  await withCli([join(dir, "site"), "--port", "0", "--auth", "u:p w", "--allow", "127.0.0.0/8"], async (base) => {
    const denied = await fetch(base);
    expect(denied.status).toBe(401);
    expect(denied.headers.get("www-authenticate")).toBe('Basic realm="netsvc"');
    const ok = await fetch(base, { headers: { Authorization: "Basic " + btoa("u:p w") } });
    expect(await ok.text()).toBe("index");
    // Another scheme is no credentials: the Basic challenge (RFC 9110 §15.5.2), not 501.
    for (const scheme of ["Bearer abc", 'Digest username="u"']) {
      const other = await fetch(base, { headers: { Authorization: scheme } });
      expect([other.status, other.headers.get("www-authenticate")]).toEqual([401, 'Basic realm="netsvc"']);
    }
  });
});

test("--workers 2 serves from two processes sharing the port", async () => {
  await withCli([join(dir, "site"), "--port", "0", "--workers", "2"], async (base) => {
    const bodies = await Promise.all(Array.from({ length: 20 }, () => fetch(base).then((r) => r.text())));
    expect(bodies.every((b) => b === "index")).toBe(true);
  });
});

test("--flag=value works like --flag value: --map=.py=text/plain, --port=0", async () => {
  await withCli([join(dir, "site"), "--port=0", "--map=.py=text/plain"], async (base) => {
    expect((await fetch(base + "code.py")).headers.get("content-type")).toBe("text/plain");
  });
});

test('--port "" is refused, not taken as a random port', async () => {
  const p = Bun.spawn([process.execPath, "src/cli.ts", "--port", ""], { stdout: "pipe", stderr: "pipe" });
  expect(await p.exited).toBe(2);
  expect(await new Response(p.stderr).text()).toContain("--port takes 0-65535");
});

test("a port in use is reported as such, without a stack trace", async () => {
  const holder = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  try {
    const p = Bun.spawn([process.execPath, "src/cli.ts", join(dir, "site"), "--port", String(holder.port)], {
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(await p.exited).toBe(2);
    const err = await new Response(p.stderr).text();
    expect(err).toContain(`port ${holder.port} on 127.0.0.1 is already in use`);
    expect(err).not.toContain("    at ");
  } finally {
    holder.stop(true);
  }
});

/** The child processes of `pid` (Linux). */
function childrenOf(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
  return text === "" ? [] : text.split(/\s+/).map(Number);
}

test("--workers restarts a worker that dies", async () => {
  const { child, out } = spawnWithOutput([process.execPath, "src/cli.ts", join(dir, "site"), "--port", "0", "--workers", "2"]);
  try {
    const base = await out.url();
    const before = childrenOf(child.pid);
    expect(before.length).toBe(2);
    process.kill(before[0]!, "SIGKILL");
    // No event announces a fork: read the process table until the replacement is there (bounded).
    const replaced = (pids: number[]) => pids.length === 2 && !pids.includes(before[0]!);
    const after =
      (await firstValue(() => (replaced(childrenOf(child.pid)) ? childrenOf(child.pid) : undefined), 15_000)) ?? childrenOf(child.pid);
    expect(after.length).toBe(2);
    expect(after).not.toContain(before[0]!);
    const bodies = await Promise.all(Array.from({ length: 20 }, () => fetch(base).then((r) => r.text())));
    expect(bodies.every((b) => b === "index")).toBe(true);
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
  } finally {
    child.kill("SIGKILL");
  }
});

test("--forwarded-header forwarded: the trusted proxy's Forwarded names the client, X-Forwarded-For is not read", async () => {
  await withCli(
    [
      join(dir, "site"),
      "--port",
      "0",
      "--echo",
      "/echo",
      "--trust-proxy",
      "127.0.0.1",
      "--forwarded-header",
      "forwarded",
      "--deny",
      "203.0.113.0/24",
    ],
    async (base) => {
      // X-Forwarded-For names a denied client: not read, so the request is served.
      const ok = await fetch(`${base}/echo`, { headers: { Forwarded: "for=198.51.100.7", "X-Forwarded-For": "203.0.113.9" } });
      expect(ok.status).toBe(200);
      // Forwarded names a denied client: the connection is dropped with no answer.
      await expect(
        fetch(`${base}/echo`, { headers: { Forwarded: "for=203.0.113.9", "X-Forwarded-For": "198.51.100.7" } }),
      ).rejects.toThrow();
    },
  );
});

test("--trust-proxy: the proxy's X-Forwarded-For names the client, which meets --deny", async () => {
  await withCli(
    [join(dir, "site"), "--port", "0", "--echo", "/echo", "--trust-proxy", "127.0.0.1", "--deny", "203.0.113.0/24"],
    async (base) => {
      const ok = await fetch(`${base}/echo`, { headers: { "X-Forwarded-For": "6.6.6.6, 198.51.100.1" } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain("198.51.100.1");
      // A denied client: the connection is dropped with no answer.
      await expect(fetch(`${base}/echo`, { headers: { "X-Forwarded-For": "203.0.113.9" } })).rejects.toThrow();
    },
  );
});
