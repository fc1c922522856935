/**
 * A real nats-server (Debian's package) for tests: started on a free port on 127.0.0.1, stopped
 * and restarted on the same port, and always killed when the test's `await using` scope ends.
 * An optional configuration text (authorization, tls) is written to a temporary file given with -c.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Output } from "./spawn.ts";

/** nats-server's flag value for "pick a free port". */
const RANDOM_PORT = "-1";

/** A running nats-server. */
export class NatsServer implements AsyncDisposable {
  private child: ReturnType<typeof Bun.spawn> | null = null;
  private out: Output | null = null;
  port = 0;
  /** Its route (cluster) port, when its configuration has a `cluster` block; else 0. */
  routePort = 0;
  /** Its monitoring (HTTP) port, when its configuration has an `http` listen; else 0. */
  monitorPort = 0;

  private constructor(private readonly configDir: string | null) {}

  /**
   * Starts one on a free port; resolves once it accepts clients. `config`: nats-server
   * configuration text (e.g. an `authorization { … }` block), used for its whole life.
   */
  static async start(config?: string): Promise<NatsServer> {
    let dir: string | null = null;
    if (config !== undefined) {
      dir = mkdtempSync(join(tmpdir(), "netsvc-nats-"));
      writeFileSync(join(dir, "nats.conf"), config);
    }
    const s = new NatsServer(dir);
    await s.launch(RANDOM_PORT);
    return s;
  }

  /** How many lines of its log so far match `pattern` (e.g. each refused authentication). */
  countLog(pattern: RegExp): number {
    const all = new RegExp(pattern.source, pattern.flags.includes("g") ? pattern.flags : `${pattern.flags}g`);
    return (this.out?.text.match(all) ?? []).length;
  }

  /** True from start until stop() (or a kill through it). */
  get running(): boolean {
    return this.child !== null;
  }

  /** GETs `path` (e.g. "/routez", "/connz?subs=1") from its monitoring endpoint, as JSON. */
  async monitor(path: string): Promise<unknown> {
    if (!this.monitorPort) throw new Error("monitor: started without an `http` listen in its configuration");
    return (await fetch(`http://127.0.0.1:${this.monitorPort}${path}`)).json();
  }

  /** nats://127.0.0.1:port */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  private async launch(port: string): Promise<void> {
    const configArg = this.configDir ? ["-c", join(this.configDir, "nats.conf")] : [];
    const child = Bun.spawn(["nats-server", ...configArg, "-a", "127.0.0.1", "-p", port], { stdout: "ignore", stderr: "pipe" });
    this.child = child;
    const out = new Output(child.stderr as ReadableStream<Uint8Array>);
    this.out = out;
    const m = await out.waitFor(/Listening for client connections on 127\.0\.0\.1:(\d+)/, 10_000);
    this.port = Number(m[1]);
    await out.waitFor(/Server is ready/, 10_000);
    // Both are logged when configured; the route listener comes after "ready".
    const config = this.configDir ? await Bun.file(join(this.configDir, "nats.conf")).text() : "";
    if (/^\s*http\s*:/m.test(config)) this.monitorPort = Number((await out.waitFor(/Starting http monitor on 127\.0\.0\.1:(\d+)/))[1]);
    if (/^\s*cluster\s*\{/m.test(config))
      this.routePort = Number((await out.waitFor(/Listening for route connections on 127\.0\.0\.1:(\d+)/, 10_000))[1]);
    void out.waitFor(/$^/, 24 * 3600_000).catch(() => {}); // keep draining stderr until it exits
  }

  /** Replaces its configuration and has it reload it (SIGHUP), as an operator changing a password does. */
  reload(config: string): void {
    if (!this.configDir || !this.child) throw new Error("reload: started without a configuration, or stopped");
    writeFileSync(join(this.configDir, "nats.conf"), config);
    this.child.kill("SIGHUP");
  }

  /** Stops it (SIGKILL: the connections drop at once, as in a crash) and waits for the exit. */
  async stop(): Promise<void> {
    const c = this.child;
    this.child = null;
    if (!c) return;
    c.kill("SIGKILL");
    await c.exited;
  }

  /** Starts it again on the same port. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch(String(this.port));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
    if (this.configDir) rmSync(this.configDir, { recursive: true, force: true });
  }
}
