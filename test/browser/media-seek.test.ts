/**
 * A media element seeks over ranges: headless chromium loads a page with a 2-minute WAV
 * (`preload="metadata"`), seeks to 100 s as soon as the metadata is in, and reports where it
 * landed by fetching `/done?<report>`. The test waits for that request (a condition, bounded),
 * then checks the report and that the audio was asked for with a range far into the file. Without
 * ranges chromium still seeks, by downloading the whole file again from byte 0 (tried: 200s of 6 MB
 * and 21 MB), so the range is what the test rests on. The ranges are read from the requests (a
 * FileServer subclass records each Range): an access log cannot show them, since chromium abandons
 * its range responses once it has enough (logged 499 whatever their status; under load every one
 * was, and the test failed on a log without a 206).
 */
import { expect } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileServer, type HttpSession } from "../../src/index.ts";
import { HEADLESS_FLAGS } from "../helpers/chromium.ts";
import { startDaemon } from "../helpers/servers.ts";
import { firstValue } from "../helpers/eventually.ts";
import { peerTest } from "../helpers/peers.ts";

const SECONDS = 120;
const RATE = 44100;
const CHANNELS = 2;
const BYTES_PER_SAMPLE = 2;
const WAV_HEADER = 44;
const WAV_BYTES = WAV_HEADER + SECONDS * RATE * CHANNELS * BYTES_PER_SAMPLE;

/** The FileServer, recording the Range of every request for the audio and the page's report. */
class RecordingFiles extends FileServer {
  readonly ranges: string[] = [];
  report: string | null = null;
  override servlet(s: HttpSession) {
    if (s.requestPath() === "/tone.wav") this.ranges.push(s.header("range") ?? "none");
    if (s.requestPath() === "/done") this.report = decodeURIComponent(s.queryString());
    return super.servlet(s);
  }
}

/** A 16-bit PCM WAV of a quiet tone (RIFF header, then samples). */
function wav(): Buffer {
  const dataLength = SECONDS * RATE * CHANNELS * BYTES_PER_SAMPLE;
  const b = Buffer.alloc(WAV_HEADER + dataLength);
  b.write("RIFF", 0);
  b.writeUInt32LE(WAV_HEADER - 8 + dataLength, 4);
  b.write("WAVEfmt ", 8);
  b.writeUInt32LE(16, 16); // fmt chunk size
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(CHANNELS, 22);
  b.writeUInt32LE(RATE, 24);
  b.writeUInt32LE(RATE * CHANNELS * BYTES_PER_SAMPLE, 28);
  b.writeUInt16LE(CHANNELS * BYTES_PER_SAMPLE, 32);
  b.writeUInt16LE(BYTES_PER_SAMPLE * 8, 34);
  b.write("data", 36);
  b.writeUInt32LE(dataLength, 40);
  for (let i = 0, p = WAV_HEADER; i < SECONDS * RATE; i++) {
    const v = Math.round(Math.sin(i / 20) * 1000);
    for (let c = 0; c < CHANNELS; c++, p += BYTES_PER_SAMPLE) b.writeInt16LE(v, p);
  }
  return b;
}

const PAGE = `<!DOCTYPE html><html><body>
<audio id="a" src="/tone.wav" preload="metadata"></audio>
<script>
const a = document.getElementById("a");
const done = (report) => fetch("/done?" + encodeURIComponent(report));
a.addEventListener("loadedmetadata", () => { a.currentTime = 100; });
a.addEventListener("seeked", () => done("seeked:" + Math.round(a.currentTime) + ":duration:" + Math.round(a.duration)));
a.addEventListener("error", () => done("error:" + a.error.code));
</script></body></html>`;

peerTest(
  ["chromium"],
  "headless chromium seeks an <audio> to 100 s of 120 over range requests",
  async () => {
    const chromium = Bun.which("chromium");
    if (!chromium) throw new Error("chromium is not installed (.ci/run installs Debian's chromium)");
    const site = mkdtempSync(join(tmpdir(), "netsvc-media-"));
    const profile = mkdtempSync(join(tmpdir(), "netsvc-chromium-"));
    writeFileSync(join(site, "index.html"), PAGE);
    writeFileSync(join(site, "tone.wav"), wav());
    const files = new RecordingFiles(site);
    await using srv = startDaemon({ "/": files });
    let browser: ReturnType<typeof Bun.spawn> | null = null;
    try {
      const url = `http://127.0.0.1:${srv.port}/`;
      browser = Bun.spawn([chromium, ...HEADLESS_FLAGS, `--user-data-dir=${profile}`, url], { stdout: "ignore", stderr: "ignore" });
      // Wait for the page's report (a request for /done), at most 60 s.
      const report = await firstValue(() => files.report ?? undefined, 60_000);
      expect(report ?? "no report within 60 s").toBe(`seeked:100:duration:${SECONDS}`);
      // A range starting past the middle of the file: the seek was served by a range request.
      const starts = files.ranges.map((r) => Number(/^bytes=(\d+)-/.exec(r)?.[1] ?? -1));
      expect(Math.max(...starts)).toBeGreaterThan(WAV_BYTES / 2);
    } finally {
      browser?.kill("SIGKILL");
      await browser?.exited;
      rmSync(site, { recursive: true, force: true });
      rmSync(profile, { recursive: true, force: true });
    }
  },
  90_000,
);
