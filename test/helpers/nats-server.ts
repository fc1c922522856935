/**
 * A real nats-server (Debian's package) for tests: started on a free port on 127.0.0.1, stopped
 * and restarted on the same port, and always killed when the test's `await using` scope ends.
 */
import { Output } from "./spawn.ts";

/** nats-server's flag value for "pick a free port". */
const RANDOM_PORT = "-1";

/** A running nats-server. */
export class NatsServer implements AsyncDisposable {
  private child: ReturnType<typeof Bun.spawn> | null = null;
  port = 0;

  private constructor() {}

  /** Starts one on a free port; resolves once it accepts clients. */
  static async start(): Promise<NatsServer> {
    const s = new NatsServer();
    await s.launch(RANDOM_PORT);
    return s;
  }

  /** nats://127.0.0.1:port */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  private async launch(port: string): Promise<void> {
    const child = Bun.spawn(["nats-server", "-a", "127.0.0.1", "-p", port], { stdout: "ignore", stderr: "pipe" });
    this.child = child;
    const out = new Output(child.stderr as ReadableStream<Uint8Array>);
    const m = await out.waitFor(/Listening for client connections on 127\.0\.0\.1:(\d+)/, 10_000);
    this.port = Number(m[1]);
    await out.waitFor(/Server is ready/, 10_000);
    void out.waitFor(/$^/, 24 * 3600_000).catch(() => {}); // keep draining stderr until it exits
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
  }
}
