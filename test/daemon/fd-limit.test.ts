/**
 * The open-file limit below maxConnections (issue 19, item 4): the daemon lowers its limit to what
 * the descriptors allow, says so in one line, and keeps serving newcomers — it never lets accept()
 * fail for want of a descriptor (Bun then retries the accept in a busy loop while connections
 * wait unanswered in the listen backlog).
 */
import { expect, test } from "bun:test";
import { FD_RESERVE } from "../../src/entry/limits.ts";
import { RawClient, parseResponses } from "../helpers/raw-client.ts";
import { Output } from "../helpers/spawn.ts";

/** The open-file limit the daemon runs under (bash's `ulimit -n` sets the soft and hard limits). */
const FD_LIMIT = 256;
/** More silent connections than the process has descriptors. */
const SILENT = 400;

test("under an open-file limit below maxConnections, the limit is lowered (one warning) and a newcomer is still served", async () => {
  const child = Bun.spawn(["bash", "-c", `ulimit -n ${FD_LIMIT} && exec "$0" test/fixtures/fd-limited-daemon.ts`, process.execPath], {
    stdout: "pipe",
    stderr: "pipe",
  });
  try {
    const out = new Output(child.stdout as ReadableStream<Uint8Array>);
    const [, port, max] = (await out.waitFor(/ready (\d+) (\d+)/)).map(Number);
    expect(max).toBe(FD_LIMIT - FD_RESERVE);
    const silent: RawClient[] = [];
    for (let i = 0; i < SILENT; i++) silent.push(await RawClient.connect(port!));
    using last = await RawClient.connect(port!);
    last.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await last.until(() => parseResponses(last.text(), last.closed).length === 1, 3000, "the newcomer's answer");
    expect(parseResponses(last.text(), false).map((r) => [r.status, r.body])).toEqual([[200, "hello"]]);
    // The oldest silent connections were closed to make room; the newest are still held.
    await silent[0]!.untilClosed();
    expect(silent.at(-1)!.closed).toBe(false);
    for (const c of silent) c.close();
  } finally {
    child.kill();
    await child.exited;
  }
  const stderr = await new Response(child.stderr as ReadableStream<Uint8Array>).text();
  const warnings = stderr.split("\n").filter((l) => l.includes("maxConnections"));
  expect(warnings.length).toBe(1);
  expect(warnings[0]).toContain(`${FD_LIMIT}`);
}, 20_000);
