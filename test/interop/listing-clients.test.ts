/**
 * Listings through the binary (`--list --compress`, run from source) with real clients: curl
 * `--compressed` gets a compressed listing and decodes it to the same page as an uncompressed
 * request; curl with `Accept: application/json` gets the JSON array in the asked order; Bun's
 * fetch (a browser-like client) sends its own Accept-Encoding and reads the page. Every client
 * run is a child process, bounded.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { peerTest } from "../helpers/peers.ts";
import { run, withCli } from "../helpers/spawn.ts";

let dir = "";
let site = "";

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "netsvc-lc-"));
  site = join(dir, "site");
  mkdirSync(join(site, "files", "nested"), { recursive: true });
  // 60 files of distinct sizes: a page well over the 1 KiB below which nothing is compressed.
  for (let i = 0; i < 60; i++) writeFileSync(join(site, "files", `report-${String(i).padStart(2, "0")} <v${i}>.txt`), "x".repeat(i * 37));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The header fields of a `curl -D` dump, names lower-cased (the last response's). */
function fieldsOf(dump: string): Record<string, string> {
  const last = dump
    .trim()
    .split(/\r\n\r\n/)
    .at(-1)!;
  const out: Record<string, string> = {};
  for (const line of last.split("\r\n").slice(1))
    out[line.slice(0, line.indexOf(":")).toLowerCase()] = line.slice(line.indexOf(":") + 1).trim();
  return out;
}

peerTest(["curl"], "curl --compressed: a compressed listing that decodes to the uncompressed page; JSON on Accept", async () => {
  await withCli([site, "--port", "0", "--list", "--compress"], async (base) => {
    const url = `${base}files/?sort=size&order=desc`;
    const plainFile = join(dir, "plain.html");
    const plain = await run(["curl", "-s", "-D", "-", "-o", plainFile, url]);
    expect(plain.code).toBe(0);
    expect(fieldsOf(plain.out)["content-encoding"]).toBeUndefined();
    const packedFile = join(dir, "packed.html");
    const packed = await run(["curl", "-s", "--compressed", "-D", "-", "-o", packedFile, "-w", "%{size_download}", url]);
    expect(packed.code).toBe(0);
    const fields = fieldsOf(packed.out.slice(0, packed.out.lastIndexOf("\r\n\r\n") + 4));
    expect(["br", "gzip"]).toContain(fields["content-encoding"]!);
    expect(fields.vary).toBe("Accept, Accept-Encoding");
    const page = readFileSync(plainFile, "utf8");
    expect(readFileSync(packedFile, "utf8")).toBe(page);
    const downloaded = Number(packed.out.slice(packed.out.lastIndexOf("\r\n\r\n") + 4));
    expect(downloaded).toBeLessThan(page.length / 3);
    // The page: a table, the largest file first after the directory, names escaped.
    expect(page).toContain("<table>");
    const first = page.indexOf("nested/");
    const largest = page.indexOf("report-59 &#60;v59&#62;.txt");
    expect(first).toBeGreaterThan(0);
    expect(largest).toBeGreaterThan(first);
    expect(page.indexOf("report-58 &#60;v58&#62;.txt")).toBeGreaterThan(largest);

    const json = await run(["curl", "-s", "--compressed", "-H", "Accept: application/json", `${base}files/?sort=size&order=asc`]);
    const list = JSON.parse(json.out) as { name: string; isDir: boolean; size: number | null }[];
    expect(list.length).toBe(61);
    expect(list[0]).toMatchObject({ name: "nested", isDir: true, size: null });
    expect(list.slice(1).map((e) => e.size)).toEqual(Array.from({ length: 60 }, (_, i) => i * 37));
  });
});

test("fetch with Accept-Encoding: the listing arrives compressed and reads as the page", async () => {
  await withCli([site, "--port", "0", "--list", "--compress"], async (base) => {
    const r = await fetch(`${base}files/`, { headers: { "Accept-Encoding": "gzip, deflate, br" } });
    expect(r.status).toBe(200);
    expect(["br", "gzip"]).toContain(r.headers.get("content-encoding")!);
    const page = await r.text();
    expect(page).toContain(`<a href="./report-00%20%3Cv0%3E.txt">report-00 &#60;v0&#62;.txt</a>`);
    expect(page).toContain("<footer>1 directory, 60 files</footer>");
  });
});
