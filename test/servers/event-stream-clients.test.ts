/**
 * Event streams with real clients (SPEC §12, issue 23 item 3): curl over HTTP/1.0 (delimited by
 * the close), HTTP/1.1 (chunked) and HTTP/2 by prior knowledge (a stream), each seeing an event
 * before the next is published (streamed, not buffered) and the end when the servlet closes the
 * stream; and Chromium's EventSource, which reconnects after the close with `Last-Event-ID`.
 */
import { expect } from "bun:test";
import { Router } from "../../src/index.ts";
import { ServiceRegistry } from "../../src/entry/services.ts";
import { Browser } from "../helpers/cdp.ts";
import { peerTest } from "../helpers/peers.ts";
import { startDaemon } from "../helpers/servers.ts";
import { Output } from "../helpers/spawn.ts";

/** Bounds a client's run (ms). */
const CLIENT_DEADLINE_MS = 20_000;

const PAGE = `<!doctype html><title>events</title><script>
window.got = [];
const es = new EventSource("/events");
es.addEventListener("hello", (e) => got.push("hello " + e.data + " id=" + e.lastEventId));
es.addEventListener("news.a", (e) => got.push("news.a " + e.data));
es.onerror = () => got.push("error " + es.readyState);
</script>`;

/**
 * A daemon whose `/events` answers with a stream: a `hello` event (id 1, retry 100 ms, the
 * protocol and the Last-Event-ID it came with), then reports on `news.*` as events, until a report
 * on `news.end` closes it. `/` is the page above.
 */
function site() {
  const r = new ServiceRegistry();
  const router = new Router()
    .get("/", (s) => s.sendDocument(200, "text/html; charset=utf-8", PAGE))
    .get("/events", (s) => {
      const events = s.eventStream({ reports: r, heartbeatMs: 0 });
      events.send({ event: "hello", id: "1", retry: 100, data: { proto: s.protocolVersion(), last: events.lastEventId } });
      events.subscribe("news.a");
      const off = r.subscribeReports("news.end", () => events.close());
      events.onclose = off;
    });
  const d = startDaemon({ "/": router });
  return Object.assign(d, { r, url: `http://127.0.0.1:${d.port}` });
}

const CLIENTS: [string, string[], string][] = [
  ["HTTP/1.0 (delimited by the close)", ["--http1.0"], "HTTP/1.0"],
  ["HTTP/1.1 (chunked)", ["--http1.1"], "HTTP/1.1"],
  ["HTTP/2 by prior knowledge (a stream)", ["--http2-prior-knowledge"], "HTTP/2"],
];

for (const [name, flags, proto] of CLIENTS) {
  peerTest(
    ["curl"],
    `curl ${name}: the head at once, each event before the next is published, the end at close()`,
    async () => {
      await using s = site();
      const curl = Bun.spawn(["curl", "-sS", "-N", "-i", ...flags, `${s.url}/events`], { stdout: "pipe", stderr: "pipe" });
      const timer = setTimeout(() => curl.kill("SIGKILL"), CLIENT_DEADLINE_MS);
      try {
        const out = new Output(curl.stdout as ReadableStream<Uint8Array>);
        await out.waitFor(/event: hello\r?\nid: 1\r?\nretry: 100\r?\ndata: .*\n\n/);
        s.r.publish("news.a", { n: 1 });
        await out.waitFor(/event: news\.a\ndata: \{"n":1\}\n\n/);
        s.r.publish("news.a", "two\nlines");
        await out.waitFor(/data: "two\\nlines"\n\n/);
        s.r.publish("news.end", 0);
        expect(await curl.exited).toBe(0);
        const text = out.text;
        const [head, body] = [text.slice(0, text.indexOf("\r\n\r\n")), text.slice(text.indexOf("\r\n\r\n") + 4)];
        expect(head).toMatch(new RegExp(`^${proto.replace(".", "\\.")} 200`));
        expect(head.toLowerCase()).toContain("content-type: text/event-stream");
        expect(head.toLowerCase()).toContain("cache-control: no-store");
        expect(head.toLowerCase()).not.toContain("content-length");
        if (proto === "HTTP/1.1") expect(head).toContain("Transfer-Encoding: chunked");
        else expect(head).not.toContain("Transfer-Encoding");
        expect(body).toBe(
          `event: hello\nid: 1\nretry: 100\ndata: {"proto":"${proto === "HTTP/2" ? "HTTP/2" : proto}","last":null}\n\n` +
            'event: news.a\ndata: {"n":1}\n\nevent: news.a\ndata: "two\\nlines"\n\n',
        );
        expect(s.errors).toEqual([]);
      } finally {
        clearTimeout(timer);
        curl.kill("SIGKILL");
      }
    },
    CLIENT_DEADLINE_MS + 10_000,
  );
}

peerTest(
  ["chromium"],
  "Chromium's EventSource: events by type as they are published; after close() it reconnects with Last-Event-ID",
  async () => {
    await using s = site();
    const browser = await Browser.launch();
    try {
      await browser.send("Page.navigate", { url: `${s.url}/` });
      await browser.waitFor("window.got && window.got.length >= 1");
      s.r.publish("news.a", { n: 1 });
      await browser.waitFor("got.some((x) => x.startsWith('news.a'))");
      s.r.publish("news.end", 0); // the stream ends; the browser reconnects after retry (100 ms)
      await browser.waitFor("got.filter((x) => x.startsWith('hello')).length >= 2");
      const got = await browser.evaluate<string[]>("got");
      const hellos = got.filter((x) => x.startsWith("hello"));
      expect(hellos[0]).toBe('hello {"proto":"HTTP/1.1","last":null} id=1');
      expect(hellos[1]).toBe('hello {"proto":"HTTP/1.1","last":"1"} id=1'); // Last-Event-ID sent back
      expect(got).toContain('news.a {"n":1}');
    } finally {
      await browser.close();
    }
  },
  60_000,
);
