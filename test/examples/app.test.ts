/**
 * examples/app end to end: the JSON API, an upload with its progress events (fetch), and the
 * status page in headless chromium driven over the DevTools protocol — the chart gets drawn, an
 * admin action is refused until a session logs in with the token (its cookie HttpOnly), a theme
 * switched by a click comes back with the page from its cookie, and a screenshot is a real PNG.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Browser } from "../helpers/cdp.ts";
import { spawnWithOutput } from "../helpers/spawn.ts";
import { peerTest } from "../helpers/peers.ts";

const TOKEN = "t0ken-for-test";
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

let server: ReturnType<typeof spawnWithOutput>;
let base = "";
let uploadDir = "";

beforeAll(async () => {
  server = spawnWithOutput([process.execPath, "examples/app/server.ts", "--port", "0", "--token", TOKEN]);
  const m = await server.out.waitFor(/(http:\/\/\S+\/)\s+\(uploads in (\S+)\)/);
  base = m[1]!;
  uploadDir = m[2]!;
});

afterAll(async () => {
  server.child.kill("SIGINT");
  expect(await server.child.exited).toBe(0);
});

test("the JSON API lists, adds and refuses", async () => {
  expect(await (await fetch(base + "api/notes/1")).json()).toEqual({ id: "1", text: "hello" });
  const made = await fetch(base + "api/notes", { method: "POST", body: JSON.stringify({ text: "two" }) });
  expect(made.status).toBe(201);
  const { id } = (await made.json()) as { id: string };
  expect(await (await fetch(base + `api/notes/${id}`)).json()).toEqual({ id, text: "two" });
  const bad = await fetch(base + "api/notes", { method: "POST", body: "{}", headers: { accept: "application/json" } });
  expect([bad.status, ((await bad.json()) as { message: string }).message]).toEqual([422, "text must be a string"]);
  const missing = await fetch(base + "api/nothing");
  expect(missing.status).toBe(404);
  // The middleware's request id goes out with every answer, the router's own 404 included.
  expect(missing.headers.get("x-request-id")).toMatch(/^api-\d+$/);
  expect(made.headers.get("x-request-id")).toMatch(/^api-\d+$/);
});

test("an upload is written to disk and its progress streams as server-sent events", async () => {
  const size = 3 * 1024 * 1024 + 7;
  const data = new Uint8Array(size).map((_, i) => (i * 31) & 0xff);
  const events = await fetch(base + "upload/up1/events");
  expect(events.headers.get("content-type")).toBe("text/event-stream");
  const reader = events.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const next = async (): Promise<void> => {
    const { value, done } = await reader.read();
    if (done) throw new Error(`events ended: ${text}`);
    text += decoder.decode(value, { stream: true });
  };
  while (!text.includes("\n\n")) await next(); // subscribed: the "waiting" event arrived
  expect(text).toContain('"state":"waiting"');

  const form = new FormData();
  form.append("note", "a plain field");
  form.append("file", new Blob([data]), "my report (v2).bin");
  const r = await fetch(base + "upload?id=up1", { method: "POST", body: form });
  expect(r.status).toBe(200);
  expect(await r.json()).toMatchObject({ state: "done", received: size, files: [{ name: "my_report__v2_.bin", bytes: size }] });
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  const states = text
    .trim()
    .split("\n\n")
    .map((e) => JSON.parse(e.replace(/^data: /, "")));
  expect(states.at(-1)).toMatchObject({ state: "done", received: size });
  const partial = states.filter((s) => s.state === "receiving" && s.received > 0 && s.received < size);
  expect(partial.length).toBeGreaterThan(0);
  expect(Buffer.compare(readFileSync(join(uploadDir, "up1-0")), Buffer.from(data))).toBe(0);

  const small = new FormData();
  small.append("file", new Blob(["x"]), "x.txt");
  expect((await fetch(base + "upload?id=bad/id", { method: "POST", body: small })).status).toBe(400);
  const notMultipart = await fetch(base + "upload?id=up2", { method: "POST", body: "plain" });
  expect(notMultipart.status).toBe(415);
});

test("admin actions need the token, as Bearer or Basic", async () => {
  expect((await fetch(base + "admin/reset", { method: "POST" })).status).toBe(401);
  expect((await fetch(base + "admin/reset", { method: "POST", headers: { Authorization: "Bearer wrong" } })).status).toBe(401);
  const basic = await fetch(base + "admin/reset", { method: "POST", headers: { Authorization: "Basic " + btoa(`admin:${TOKEN}`) } });
  expect(await basic.json()).toEqual({ done: "counters reset", by: "admin" });
});

test("…or a session logged in with it: a new id at login, secure cookie flags, logout ends it", async () => {
  const post = (path: string, body?: unknown, cookie?: string) =>
    fetch(base + path, {
      method: "POST",
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: cookie ? { cookie } : {},
    });
  // A session id planted before the login (session fixation) is not the one the login gives.
  const planted = "sid=planted-by-an-attacker";
  expect((await post("admin/login", { token: "wrong" }, planted)).status).toBe(401);
  const login = await post("admin/login", { token: TOKEN }, planted);
  expect(login.status).toBe(200);
  const setCookie = login.headers.getSetCookie().find((c) => !c.startsWith("theme="))!;
  expect(setCookie).toMatch(/; HttpOnly/i);
  expect(setCookie).toMatch(/; SameSite=Lax/i);
  const session = setCookie.split(";")[0]!;
  expect(session).not.toBe(planted);
  expect(await (await post("admin/reset", undefined, session)).json()).toEqual({ done: "counters reset", by: "admin" });
  expect((await post("admin/logout", undefined, session)).status).toBe(200);
  expect((await post("admin/reset", undefined, session)).status).toBe(401); // the session is gone
});

test("the theme is a cookie preference: set through the API, the page comes back in it", async () => {
  expect((await fetch(base + "api/prefs", { method: "PUT", body: '{"theme":"purple"}' })).status).toBe(422);
  const set = await fetch(base + "api/prefs", { method: "PUT", body: '{"theme":"dark"}' });
  const cookie = set.headers.getSetCookie()[0]!;
  expect(cookie).toMatch(/^theme=dark; /);
  expect(cookie).toMatch(/Max-Age=31536000/);
  const page = await (await fetch(base, { headers: { cookie: "theme=dark" } })).text();
  expect(page).toContain('<html lang="en" data-theme="dark">');
  expect(await (await fetch(base, { headers: { cookie: "theme=<script>" } })).text()).toContain('data-theme="light"');
});

peerTest(
  ["chromium"],
  "the status page in chromium: a drawn chart, an admin click with auth, a screenshot",
  async () => {
    const browser = await Browser.launch();
    const shots = mkdtempSync(join(tmpdir(), "netsvc-app-shot-"));
    try {
      await browser.send("Page.navigate", { url: base });
      // The sampler adds a point a second: wait for two, so the path has a line segment.
      await browser.waitFor(`(document.getElementById("line").getAttribute("d") ?? "").split("L").length >= 2`);
      const d = await browser.evaluate<string>(`document.getElementById("line").getAttribute("d")`);
      expect(d).toMatch(/^M\d+(\.\d+)? \d+(\.\d+)?( L\d+(\.\d+)? \d+(\.\d+)?)+$/);
      // Drawn, not just set: the rendered path has a length and a box inside the chart.
      const drawn = await browser.evaluate<{ length: number; width: number }>(
        `(() => { const p = document.getElementById("line"); return { length: p.getTotalLength(), width: p.getBBox().width }; })()`,
      );
      expect(drawn.length).toBeGreaterThan(0);
      expect(drawn.width).toBeGreaterThan(0);
      expect(await browser.evaluate<string>(`document.getElementById("servers").textContent`)).toContain("upload");

      // Not logged in: refused. A wrong token: refused. The right one: a session, and the action is done.
      const result = async (button: string, token?: string) => {
        await browser.evaluate(`document.getElementById("result").textContent = "";
        ${token === undefined ? "" : `document.getElementById("token").value = ${JSON.stringify(token)};`}
        document.getElementById(${JSON.stringify(button)}).click()`);
        return browser.waitFor(`document.getElementById("result").textContent`);
      };
      expect(await result("reset")).toBe("401 Unauthorized");
      expect(await result("login", "wrong")).toBe("401 Unauthorized");
      expect(await result("login", TOKEN)).toBe("200 logged in by admin");
      expect(await browser.evaluate<string>("document.cookie")).not.toContain("sid="); // HttpOnly: no script reads it
      expect(await result("reset")).toBe("200 counters reset by admin");
      expect(await result("logout")).toBe("200 logged out by admin");
      expect(await result("reset")).toBe("401 Unauthorized");

      // The theme: switched by a click, kept in a cookie, and the page comes back in it.
      await browser.evaluate(`document.getElementById("theme").click()`);
      await browser.waitFor(`document.cookie.includes("theme=dark") ? "set" : ""`);
      await browser.evaluate("window.beforeReload = true");
      await browser.send("Page.reload", {});
      // the new page (no beforeReload) came from the server in the cookie's theme, before any script
      expect(
        await browser.waitFor(`!window.beforeReload && document.readyState === "complete" && document.documentElement.dataset.theme`),
      ).toBe("dark");
      await browser.waitFor(`(document.getElementById("line").getAttribute("d") ?? "").split("L").length >= 2 ? "drawn" : ""`);

      const shot = await browser.send("Page.captureScreenshot", { format: "png" });
      const file = join(shots, "status.png");
      writeFileSync(file, Buffer.from(shot.data, "base64"));
      const png = readFileSync(file);
      expect([...png.subarray(0, PNG_SIGNATURE.length)]).toEqual(PNG_SIGNATURE);
      expect(png.toString("latin1", 12, 16)).toBe("IHDR");
      expect(png.readUInt32BE(16)).toBeGreaterThan(0); // width
      expect(png.length).toBeGreaterThan(1000);
    } finally {
      await browser.close();
      rmSync(shots, { recursive: true, force: true });
    }
  },
  90_000,
);
