/**
 * The server side of the multipart measurement, one process per round so its peak RSS is its own:
 *   bun bench/multipart/server.ts netsvc|formdata <dir>
 * `netsvc`: an HttpDaemon whose servlet writes each file part of `parts()` to <dir> as it arrives.
 * `formdata`: the buffered peer, Bun.serve with `await request.formData()` then the file to <dir>.
 * Prints its URL; `GET /memory` answers `{ rss, peak }` in bytes (VmRSS and VmHWM of
 * /proc/self/status: the resident set now and its high-water mark since the process started).
 */
import { open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { HttpDaemon, HttpError, Router } from "../../src/index.ts";

/** Bodies up to this size are taken by both servers (the measurement sends 1 GiB). */
export const MAX_BENCH_BODY = 4 * 1024 * 1024 * 1024;

/** VmRSS and VmHWM of this process, in bytes. */
async function memory(): Promise<{ rss: number; peak: number }> {
  const status = await readFile("/proc/self/status", "utf8");
  const kb = (field: string) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"))?.[1] ?? NaN) * 1024;
  return { rss: kb("VmRSS"), peak: kb("VmHWM") };
}

const [mode, dir] = process.argv.slice(2);
if (!dir || (mode !== "netsvc" && mode !== "formdata")) throw new Error("usage: server.ts netsvc|formdata <dir>");

if (mode === "netsvc") {
  const router = new Router()
    .get("/memory", async (s) => s.sendJson(await memory()))
    .post("/upload", async (s) => {
      s.session.bodyLimit = MAX_BENCH_BODY;
      let bytes = 0;
      let index = 0;
      for await (const part of s.parts()) {
        if (part.filename === undefined) continue;
        const handle = await open(join(dir, `netsvc-${index++}`), "w");
        try {
          for await (const chunk of part) {
            await handle.write(chunk);
            bytes += chunk.length;
          }
        } finally {
          await handle.close();
        }
      }
      if (index === 0) throw new HttpError(400, "no file part");
      s.sendJson({ bytes });
    });
  const daemon = new HttpDaemon(0);
  daemon.attach("/", router);
  daemon.start();
  console.log(`http://127.0.0.1:${daemon.port()}/`);
} else {
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    maxRequestBodySize: MAX_BENCH_BODY,
    async fetch(request) {
      const path = new URL(request.url).pathname;
      if (path === "/memory") return Response.json(await memory());
      const form = await request.formData();
      const file = form.get("file");
      if (!(file instanceof Blob)) return new Response("no file part", { status: 400 });
      await Bun.write(join(dir, "formdata-0"), file);
      return Response.json({ bytes: file.size });
    },
  });
  console.log(`http://127.0.0.1:${server.port}/`);
}
