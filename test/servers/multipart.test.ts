/**
 * Streaming multipart/form-data (issue 13, item 3): parts() with real curl uploads, skipped
 * parts, backpressure to the socket, malformed bodies (400, never a hang), FormServlet fields.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FormServlet, HttpServlet } from "../../src/index.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { FnServer, startDaemon } from "../helpers/servers.ts";
import { peerTest } from "../helpers/peers.ts";

let dir = "";
const upload = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7) & 0xff);
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "netsvc-multipart-"));
  writeFileSync(join(dir, "data.bin"), upload);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** Describes every part: name, filename, type, size and hash, as JSON. */
class Describe extends HttpServlet {
  override async processRequest(): Promise<void> {
    this.session.bodyLimit = 64 * 1024 * 1024;
    const out: unknown[] = [];
    for await (const part of this.parts()) {
      const bytes = await part.bytes();
      out.push({ name: part.name, filename: part.filename ?? null, type: part.contentType, size: bytes.length, sha: sha(bytes) });
    }
    this.sendDocument(200, "application/json", JSON.stringify(out));
  }
}

async function curl(args: string[]): Promise<{ code: number; out: string }> {
  const p = Bun.spawn(["curl", "-s", "-w", "\n%{http_code}", ...args], { stdout: "pipe" });
  const text = await new Response(p.stdout).text();
  await p.exited;
  const i = text.lastIndexOf("\n");
  return { code: Number(text.slice(i + 1)), out: text.slice(0, i) };
}

/** Opens a connection and sends the start of an upload: the head, one file part's header, a few bytes of its 100,000. */
async function startUpload(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  const head = '--b\r\nContent-Disposition: form-data; name="f"; filename="x"\r\n\r\n';
  c.send(`POST / HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n${head}some bytes`);
  return c;
}

describe("parts()", () => {
  peerTest(["curl"], "curl -F: fields and a 3 MiB file arrive whole, in order, with their names and types", async () => {
    await using srv = startDaemon({ "/": new FnServer((s) => new Describe(s)) });
    const r = await curl([
      "-F",
      "title=hello wörld",
      "-F",
      `file=@${join(dir, "data.bin")};type=application/octet-stream`,
      "-F",
      "note=<-",
      `http://127.0.0.1:${srv.port}/up`,
    ]);
    expect(r.code).toBe(200);
    const parts = JSON.parse(r.out);
    expect(parts.map((p: { name: string }) => p.name)).toEqual(["title", "file", "note"]);
    expect(parts[0].filename).toBeNull();
    expect(parts[0].size).toBe(Buffer.byteLength("hello wörld"));
    expect(parts[1]).toMatchObject({ filename: "data.bin", type: "application/octet-stream", size: upload.length, sha: sha(upload) });
  });

  peerTest(["curl"], "a part left unread is skipped; the next one is read whole", async () => {
    const server = new FnServer(
      (s) =>
        new (class extends HttpServlet {
          override async processRequest(): Promise<void> {
            this.session.bodyLimit = 64 * 1024 * 1024;
            const names: string[] = [];
            let last = "";
            for await (const part of this.parts()) {
              names.push(part.name);
              if (part.name === "after") last = await part.text();
            }
            this.sendDocument(200, "text/plain", `${names.join(",")}=${last}`);
          }
        })(s),
    );
    await using srv = startDaemon({ "/": server });
    const r = await curl(["-F", `big=@${join(dir, "data.bin")}`, "-F", "after=tail value", `http://127.0.0.1:${srv.port}/`]);
    expect(r.out).toBe("big,after=tail value");
  });

  test("a consumer that stops reading holds the body back in the socket", async () => {
    const TOTAL = 64 * 1024 * 1024;
    let firstChunk = false;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let received = 0;
    const server = new FnServer(
      (s) =>
        new (class extends HttpServlet {
          override async processRequest(): Promise<void> {
            this.session.bodyLimit = TOTAL * 2;
            for await (const part of this.parts()) {
              for await (const chunk of part) {
                received += chunk.length;
                if (!firstChunk) {
                  firstChunk = true;
                  await gate; // a slow sink
                }
              }
            }
            this.sendDocument(200, "text/plain", String(received));
          }
        })(s),
    );
    await using srv = startDaemon({ "/": server });
    using c = await RawClient.connect(srv.port);
    const boundary = "b0undary";
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="f"; filename="big"\r\n\r\n`;
    const tail = `\r\n--${boundary}--\r\n`;
    const length = head.length + TOTAL + tail.length;
    c.send(
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${length}\r\n\r\n${head}`,
    );
    c.send(new Uint8Array(TOTAL).fill(0x61));
    c.send(tail);
    await c.until(() => firstChunk, 5000, "the first chunk");
    const until = Date.now() + 300; // time for a server without backpressure to swallow it all
    await c.until(() => Date.now() >= until, 2000, "300 ms");
    expect(c.allSent).toBe(false); // the rest waits in the client: the server stopped reading
    expect(received).toBeLessThan(TOTAL / 4);
    release();
    const [r] = await c.responses(1, 20000);
    expect(r!.body).toBe(String(TOTAL));
  }, 30000);

  test("a client that leaves mid-upload ends the servlet's parts() loop with a RequestAborted", async () => {
    let ended = "";
    const server = new FnServer(
      (s) =>
        new (class extends HttpServlet {
          override async processRequest(): Promise<void> {
            try {
              for await (const part of this.parts()) for await (const _ of part) ended = "reading";
              ended = "finished";
            } catch (e) {
              ended = (e as Error).name;
            }
          }
        })(s),
    );
    await using srv = startDaemon({ "/": server });
    const c = await startUpload(srv.port);
    await c.until(() => ended === "reading", 5000, "the first bytes of the part");
    c.terminate();
    await c.until(() => ended === "RequestAborted", 5000, "the loop to end");
  });

  test("a part held unread when the client leaves fails its reader, never as an uncaught error", async () => {
    let held = false;
    let ended = "";
    const server = new FnServer(
      (s) =>
        new (class extends HttpServlet {
          override async processRequest(): Promise<void> {
            const { value: part } = await this.parts().next();
            held = true; // e.g. opening the file to write it to
            await new Promise((resolve) => this.signal.addEventListener("abort", resolve));
            try {
              await part!.bytes();
              ended = "read";
            } catch (e) {
              ended = (e as Error).name;
            }
          }
        })(s),
    );
    await using srv = startDaemon({ "/": server });
    const c = await startUpload(srv.port);
    await c.until(() => held, 5000, "the part to be handed out");
    c.terminate(); // the part's stream is destroyed with a RequestAborted while nobody reads it
    await c.until(() => ended !== "", 5000, "the reader to hear");
    expect(ended).toBe("RequestAborted");
  });

  test("a malformed body (no closing boundary) is a 400, not a hang", async () => {
    await using srv = startDaemon({ "/": new FnServer((s) => new Describe(s)) });
    using c = await RawClient.connect(srv.port);
    const body = '--xx\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue without an end';
    c.send(`POST / HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=xx\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    const [r] = await c.responses(1, 3000);
    expect(r!.status).toBe(400);
    expect(srv.errors).toEqual([]); // the client's fault: counted, not logged
  });

  test("a body that is not multipart is a 415; a multipart type without a boundary a 400", async () => {
    await using srv = startDaemon({ "/": new FnServer((s) => new Describe(s)) });
    using a = await RawClient.connect(srv.port);
    expect((await a.request("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi")).status).toBe(415);
    using b = await RawClient.connect(srv.port);
    expect((await b.request("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data\r\nContent-Length: 2\r\n\r\nhi")).status).toBe(
      400,
    );
  });
});

describe("FormServlet and multipart", () => {
  peerTest(["curl"], "plain fields go into fields(); a file part reaches fileReceived() or is skipped", async () => {
    const kept: string[] = [];
    const server = new FnServer(
      (s) =>
        new (class extends FormServlet {
          constructor(session: ConstructorParameters<typeof FormServlet>[0]) {
            super(session);
            this.session.bodyLimit = 16 * 1024 * 1024; // the upload is over the 1 MiB default
          }
          override async fileReceived(part: Parameters<FormServlet["fileReceived"]>[0]): Promise<void> {
            const bytes = await part.bytes();
            writeFileSync(join(dir, "kept.bin"), bytes);
            kept.push(`${part.name}:${part.filename}:${bytes.length}`);
          }
          override handleRequest(): void {
            this.sendDocument(200, "application/json", JSON.stringify(this.fields()));
          }
        })(s),
    );
    await using srv = startDaemon({ "/": server });
    const r = await curl([
      "-F",
      "a=1",
      "-F",
      "a=2",
      "-F",
      `doc=@${join(dir, "data.bin")}`,
      "-F",
      "b=x y",
      `http://127.0.0.1:${srv.port}/form`,
    ]);
    expect(r.code).toBe(200);
    expect(JSON.parse(r.out)).toEqual({ a: ["1", "2"], b: "x y" });
    expect(kept).toEqual([`doc:data.bin:${upload.length}`]);
    expect(sha(readFileSync(join(dir, "kept.bin")))).toBe(sha(upload));
  });
});

/** Posts a multipart body with boundary `xx` to the Describe servlet; the response and parts. */
async function postParts(port: number, body: string): Promise<{ status: number; parts: { name: string; filename: string | null }[] }> {
  using c = await RawClient.connect(port);
  const r = await c.request(
    `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=xx\r\nContent-Length: ${Buffer.byteLength(body, "latin1")}\r\n\r\n${body}`,
  );
  return { status: r.status, parts: r.status === 200 ? JSON.parse(r.body) : [] };
}

describe("parts() never drops a part silently (issue 19, item 8)", () => {
  // Each body has one part busboy would not hand out; each must be refused, not skipped.
  const REFUSED: [string, string][] = [
    [
      "a raw CR LF CR LF in the file name ends the part's header early",
      'Content-Disposition: form-data; name="f"; filename="a\r\n\r\nb.txt"\r\n\r\nhello',
    ],
    [
      "a raw CR LF in the file name injects a part header",
      'Content-Disposition: form-data; name="f"; filename="a\r\nContent-Type: x/y\r\n\r\nhello',
    ],
    ["a raw CR LF in the file name before a bad line", 'Content-Disposition: form-data; name="f"; filename="a\r\nb.txt"\r\n\r\nhello'],
    ["no Content-Disposition", "Content-Type: text/plain\r\n\r\nhello"],
    ["a disposition other than form-data", 'Content-Disposition: attachment; name="f"\r\n\r\nhello'],
    ["a disposition that does not parse", 'Content-Disposition: form-data; name="f";\r\n\r\nhello'],
    ["a part without a name (RFC 7578 §4.2)", 'Content-Disposition: form-data; filename="a.txt"\r\n\r\nhello'],
    ["a field without a name", "Content-Disposition: form-data\r\n\r\nhello"],
  ];
  for (const [name, part] of REFUSED) {
    test(`${name}: 400, whatever came before or after`, async () => {
      await using srv = startDaemon({ "/": new FnServer((s) => new Describe(s)) });
      for (const body of [
        `--xx\r\n${part}\r\n--xx--\r\n`,
        `--xx\r\nContent-Disposition: form-data; name="before"\r\n\r\n1\r\n--xx\r\n${part}\r\n--xx\r\nContent-Disposition: form-data; name="after"\r\n\r\n2\r\n--xx--\r\n`,
      ]) {
        const r = await postParts(srv.port, body);
        expect(r.status).toBe(400);
      }
      expect(srv.errors).toEqual([]); // the client's fault: not logged
    });
  }

  test("an encoded CR LF in a file name keeps the part, its controls replaced by _", async () => {
    await using srv = startDaemon({ "/": new FnServer((s) => new Describe(s)) });
    const body =
      "--xx\r\nContent-Disposition: form-data; name=\"f\"; filename*=UTF-8''a%0D%0Ab%09.txt\r\n\r\nhello\r\n" +
      '--xx\r\nContent-Disposition: form-data; name="g"; filename="a%0D%0Ab.txt"\r\n\r\nhello\r\n--xx--\r\n';
    const r = await postParts(srv.port, body);
    expect(r.status).toBe(200);
    // The second as a browser sends it (HTML's form encoding): text, not control characters.
    expect(r.parts.map((p) => [p.name, p.filename])).toEqual([
      ["f", "a__b_.txt"],
      ["g", "a%0D%0Ab.txt"],
    ]);
  });

  test("delimiter-like text in the epilogue or inside a part is not a part", async () => {
    await using srv = startDaemon({ "/": new FnServer((s) => new Describe(s)) });
    const body =
      'preamble --xx\r\n--xx\r\nContent-Disposition: form-data; name="a"\r\n\r\nx--xx\r\n--xx is\r\n--xxx\r\n' +
      '--xx\r\nContent-Disposition: form-data; name="b"\r\n\r\ny\r\n--xx--\r\nepilogue\r\n--xx\r\nContent-Disposition: form-data; name="c"\r\n\r\nz\r\n--xx--\r\n';
    const r = await postParts(srv.port, body);
    expect(r.status).toBe(400); // "\r\n--xx is" is a delimiter followed by junk: malformed
    const clean =
      'preamble --xx\r\n--xx\r\nContent-Disposition: form-data; name="a"\r\n\r\nx--xx\r\n--x\r\n' +
      '--xx\r\nContent-Disposition: form-data; name="b"\r\n\r\ny\r\n--xx--\r\nepilogue\r\n--xx\r\nContent-Disposition: form-data; name="c"\r\n\r\nz\r\n--xx--\r\n';
    const ok = await postParts(srv.port, clean);
    expect(ok.status).toBe(200);
    expect(ok.parts.map((p) => p.name)).toEqual(["a", "b"]);
  });
});
