/**
 * Child processes for tests: read a child's stdout as it comes and wait for a line matching a
 * pattern (the URL a server prints, a shutdown message), bounded in time.
 */

/** Accumulates a child's stdout and waits for patterns in it. */
export class Output {
  text = "";
  private readonly reader;
  private readonly decoder = new TextDecoder();

  /** Reads from `stream` (a child's piped stdout). */
  constructor(stream: ReadableStream<Uint8Array>) {
    this.reader = stream.getReader();
  }

  /** A read not yet answered (kept across calls: a read cannot be taken back). */
  private pending: Promise<{ done: boolean; value?: Uint8Array }> | null = null;

  /**
   * Resolves with the first match of `pattern` in the output so far or to come; rejects after
   * `ms` even when the child stays silent (the deadline does not wait for the next output).
   */
  async waitFor(pattern: RegExp, ms = 15_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = this.text.match(pattern);
      if (m) return m;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${pattern} in ${JSON.stringify(this.text)}`);
      this.pending ??= this.reader.read();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const expired = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), left);
      });
      const r = await Promise.race([this.pending, expired]);
      clearTimeout(timer);
      if (r === null) continue; // the deadline check above throws
      this.pending = null;
      if (r.done) throw new Error(`output ended without ${pattern}: ${JSON.stringify(this.text)}`);
      this.text += this.decoder.decode(r.value, { stream: true });
    }
  }

  /** Waits for the `http://…/` (or `https://…/`) URL a server prints when it listens. */
  async url(): Promise<string> {
    return (await this.waitFor(/https?:\/\/\S+\//))[0];
  }
}

/** Spawns `cmd` with stdout piped; returns the process and its Output. */
export function spawnWithOutput(cmd: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const child = Bun.spawn(cmd, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdout: "pipe",
    stderr: "inherit",
  });
  return { child, out: new Output(child.stdout as ReadableStream<Uint8Array>) };
}

/**
 * Runs a command to completion (killed after `timeoutMs`); returns its exit code and output.
 * `options.env` is added to this process's environment; stdin is closed.
 */
export async function run(
  cmd: string[],
  timeoutMs = 60_000,
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; out: string; err: string }> {
  const env = { ...process.env, ...options.env };
  const child = Bun.spawn(cmd, { cwd: options.cwd, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  clearTimeout(timer);
  return { code, out, err };
}

/**
 * Starts the binary from source with `args`, runs `check` against the URL it prints, then stops
 * it with SIGTERM, which must end it with exit code 0.
 */
export async function withCli(args: string[], check: (base: string) => Promise<void>, env: Record<string, string> = {}): Promise<void> {
  const { child, out } = spawnWithOutput([process.execPath, "src/cli.ts", ...args], { env });
  try {
    await check(await out.url());
    child.kill("SIGTERM");
    if ((await child.exited) !== 0) throw new Error(`the binary exited ${child.exitCode} after SIGTERM`);
  } finally {
    child.kill("SIGKILL");
  }
}
