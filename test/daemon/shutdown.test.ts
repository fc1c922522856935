/**
 * Orderly shutdown of a real process: SIGINT while a response is in flight. The response
 * completes, subscribers hear "pending" then "arrived", and the process exits 0.
 */
import { expect, test } from "bun:test";
import { RawClient } from "../helpers/raw-client.ts";
import { spawnWithOutput } from "../helpers/spawn.ts";

test("SIGINT with a response in flight: it completes, then the process exits 0", async () => {
  const { child, out } = spawnWithOutput([process.execPath, "examples/delayed-response.ts", "0"]);
  try {
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
