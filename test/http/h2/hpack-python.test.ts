/**
 * HPACK against a real peer: Python's hpack module (Debian python3-h2). Python encodes request
 * blocks (cold, then warm: its dynamic table in play) and ours decodes them; ours encodes
 * response heads and Python decodes them. One python3 process per test, fed JSON on stdin.
 */
import { describe, expect } from "bun:test";
import { dirname } from "node:path";
import { HpackEncoder } from "../../../src/http/h2/hpack-encoder.ts";
import { encodeResponseHead } from "../../../src/http/h2/head-transcoder.ts";
import { HpackDecoder } from "../../../src/parser/h2/hpack-decoder.ts";
import { PEERS } from "../../../scripts/peers.ts";
import { browserRequestFields } from "../../../bench/parser/hpack-cases.ts";
import { peerTest, requirePeer } from "../../helpers/peers.ts";
import { canonical, decodeBlock, latin1Bytes } from "./hpack-round-trip.ts";

/** Bound on one python run. */
const PYTHON_TIMEOUT_MS = 10_000;

const SCRIPT = `
import sys, json
from hpack import Encoder, Decoder
req = json.load(sys.stdin)
enc = Encoder()
encoded = [enc.encode([(n.encode('latin1'), v.encode('latin1')) for n, v in block], huffman=True).hex() for block in req['encode']]
dec = Decoder()
decoded = [[[n.decode('latin1'), v.decode('latin1')] for n, v in dec.decode(bytes.fromhex(h), raw=True)] for h in req['decode']]
print(json.dumps({'encoded': encoded, 'decoded': decoded}))
`;

interface PythonAnswer {
  encoded: string[];
  decoded: [string, string][][];
}

async function runPython(encode: [string, string][][], decode: Uint8Array[]): Promise<PythonAnswer> {
  const python = requirePeer("python3-hpack");
  const proc = Bun.spawn([python, "-c", SCRIPT], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
    // The Debian module, whichever python3 is first on PATH (a pyenv one does not see dist-packages).
    env: { ...process.env, PYTHONPATH: dirname(dirname(PEERS["python3-hpack"].file)) },
    timeout: PYTHON_TIMEOUT_MS,
  });
  proc.stdin.write(JSON.stringify({ encode, decode: decode.map((b) => Buffer.from(b).toString("hex")) }));
  await proc.stdin.end();
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`python3 exited ${code}: ${err}`);
  return JSON.parse(out) as PythonAnswer;
}

const REQUESTS: [string, string][][] = [
  browserRequestFields(),
  browserRequestFields(),
  [...browserRequestFields().slice(0, 4), ["x-binary", "\x01\x7f\xe9\xff ok"], ["cookie", "a=1"]],
  browserRequestFields(),
];

const RESPONSES = [
  "HTTP/1.1 200 OK\r\nDate: Mon, 07 Dec 2026 13:40:00 GMT\r\nContent-Type: text/html\r\nContent-Length: 1234\r\n\r\n",
  "HTTP/1.1 200 OK\r\nDate: Mon, 07 Dec 2026 13:40:00 GMT\r\nContent-Type: text/html\r\nContent-Length: 1234\r\n\r\n",
  "HTTP/1.1 302 Found\r\nLocation: https://example.com/a\r\nSet-Cookie: s=secret; HttpOnly\r\nConnection: close\r\n\r\n",
  "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\nX-Long: " + "z".repeat(2000) + "\r\n\r\n",
];

describe("HPACK interop with Python's hpack", () => {
  peerTest(
    ["python3-hpack"],
    "Python encodes requests (cold and warm), ours decodes them; ours encodes responses, Python decodes them",
    async () => {
      const encoder = new HpackEncoder();
      const ours = RESPONSES.map((head) => {
        const src = latin1Bytes(head);
        const out = new Uint8Array(2 * src.length + 64);
        return out.slice(0, encodeResponseHead(src, 0, src.length, encoder, out, 0));
      });
      const answer = await runPython(REQUESTS, ours);
      const decoder = new HpackDecoder();
      answer.encoded.forEach((hex, i) => {
        const fields = decodeBlock(decoder, Buffer.from(hex, "hex"));
        expect(fields).toEqual(canonical(REQUESTS[i]!));
      });
      // Python's warm blocks are much smaller than the cold one: the dynamic table was used.
      expect(answer.encoded[1]!.length).toBeLessThan(answer.encoded[0]!.length / 4);
      const expected = RESPONSES.map((head) => {
        const lines = head.split("\r\n");
        const fields: [string, string][] = [[":status", lines[0]!.split(" ")[1]!]];
        for (const line of lines.slice(1)) {
          if (!line) break;
          const [name, ...rest] = line.split(": ");
          if (!["connection", "transfer-encoding"].includes(name!.toLowerCase())) fields.push([name!.toLowerCase(), rest.join(": ")]);
        }
        return fields;
      });
      expect(answer.decoded).toEqual(expected);
    },
    PYTHON_TIMEOUT_MS * 2,
  );
});
