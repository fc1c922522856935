/**
 * Orderly shutdown of a real process: SIGINT while a response is in flight. The response
 * completes, subscribers hear "pending" then "arrived", and the process exits 0.
 */
import { expect, test } from "bun:test";
import { RawClient } from "../helpers/raw-client.ts";

/** Reads a child's stdout line by line and waits for a line matching a pattern. */
class Lines {
  text = "";
  private readonly reader;
  constructor(stream: ReadableStream<Uint8Array>) {
    this.reader = stream.getReader();
  }
  async waitFor(pattern: RegExp, ms = 10_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + ms;
    const decoder = new TextDecoder();
    for (;;) {
      const m = this.text.match(pattern);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`no ${pattern} in ${JSON.stringify(this.text)}`);
      const { value, done } = await this.reader.read();
      if (done) throw new Error(`stdout ended without ${pattern}: ${JSON.stringify(this.text)}`);
      this.text += decoder.decode(value);
    }
  }
}

test("SIGINT with a response in flight: it completes, then the process exits 0", async () => {
  const child = Bun.spawn([process.execPath, "examples/delayed-response.ts", "0"], { stdout: "pipe", stderr: "inherit" });
  try {
    const out = new Lines(child.stdout);
    const [, port] = (await out.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//)) as RegExpMatchArray;
    using c = await RawClient.connect(Number(port));
    c.send("GET /slow?ms=400 HTTP/1.1\r\nHost: x\r\n\r\n");
    await out.waitFor(/answering \/slow in 400 ms/);
    child.kill("SIGINT");
    await out.waitFor(/shutdown pending/);
    const [r] = await c.responses(1, 5000);
    expect(r!.body).toBe("answered after 400 ms\n");
    expect(r!.headers.connection).toBe("close");
    await out.waitFor(/shutdown arrived\nstopped/);
    expect(await child.exited).toBe(0);
  } finally {
    child.kill("SIGKILL");
  }
});
