/**
 * VirtualHosts (SPEC §14): a site per host name over real sockets — Host case and port ignored,
 * an unknown or missing host to the first site or 421, each site's own authentication and
 * challenge, HTTP/2's :authority, and the refusals of bad host names.
 */
import { describe, expect, test } from "bun:test";
import { HttpServer, VirtualHosts } from "../../src/index.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { FnServer, startDaemon, TextServlet } from "../helpers/servers.ts";

/** A server answering every request with its name. */
const named = (name: string) => new FnServer((s) => new TextServlet(s, name));

/** A site asking for Basic credentials a:b. */
class Locked extends FnServer {
  override authorise(login: string, password: string): boolean {
    return login === "a" && password === "b";
  }
  override challenge(): string {
    return 'Basic realm="locked"';
  }
}

function sites(): VirtualHosts {
  return new VirtualHosts()
    .site(["example.com", "www.example.com"], named("main"))
    .site("docs.example.com", named("docs"))
    .site("admin.example.com", new Locked((s) => new TextServlet(s, `admin ${s.remoteUser()}`)));
}

async function get(
  port: number,
  host: string | null,
  extra = "",
): Promise<{ status: number; body: string; headers: Record<string, string> }> {
  using c = await RawClient.connect(port);
  const hostLine = host === null ? "" : `Host: ${host}\r\n`;
  const version = host === null ? "HTTP/1.0" : "HTTP/1.1";
  return await c.request(`GET /page ${version}\r\n${hostLine}${extra}\r\n`);
}

describe("VirtualHosts", () => {
  test("a site per host name: case and port do not matter, a trailing dot neither", async () => {
    await using srv = startDaemon({ "/": sites() });
    expect((await get(srv.port, "example.com")).body).toBe("main");
    expect((await get(srv.port, "WWW.Example.COM:8080")).body).toBe("main");
    expect((await get(srv.port, "docs.example.com")).body).toBe("docs");
    expect((await get(srv.port, "docs.example.com.")).body).toBe("docs");
  });

  test("an unknown host, and a request without one, go to the first site — or get 421", async () => {
    await using srv = startDaemon({ "/": sites() });
    expect((await get(srv.port, "other.org")).body).toBe("main");
    expect((await get(srv.port, null)).body).toBe("main");
    await using strict = startDaemon({ "/": sites().unknownHosts(421) });
    const r = await get(strict.port, "other.org");
    expect(r.status).toBe(421);
    expect(r.body).not.toContain("other.org"); // the client's Host is not echoed (found by review)
    expect((await get(strict.port, "docs.example.com")).body).toBe("docs");
  });

  test("each site's own authentication: the locked one challenges with its realm, the others do not ask", async () => {
    await using srv = startDaemon({ "/": sites() });
    const refused = await get(srv.port, "admin.example.com");
    expect([refused.status, refused.headers["www-authenticate"]]).toEqual([401, 'Basic realm="locked"']);
    const wrong = await get(srv.port, "admin.example.com", `Authorization: Basic ${btoa("a:x")}\r\n`);
    expect(wrong.status).toBe(401);
    const ok = await get(srv.port, "admin.example.com", `Authorization: Basic ${btoa("a:b")}\r\n`);
    expect([ok.status, ok.body]).toEqual([200, "admin a"]);
    expect((await get(srv.port, "docs.example.com")).body).toBe("docs");
  });

  test("over HTTP/2 the :authority chooses", async () => {
    await using srv = startDaemon({ "/": sites() });
    // curl sends the Host it is given as HTTP/2's :authority
    const curl = Bun.spawn(
      [
        "curl",
        "-s",
        "-w",
        " %{http_version}",
        "--http2-prior-knowledge",
        "-H",
        "Host: docs.example.com",
        `http://127.0.0.1:${srv.port}/page`,
      ],
      {
        stdout: "pipe",
      },
    );
    expect(await new Response(curl.stdout).text()).toBe("docs 2");
  });

  test("bad host names and a host given twice are TypeErrors", () => {
    const v = new VirtualHosts().site("a.example", new HttpServer());
    expect(() => v.site("a.example", new HttpServer())).toThrow(TypeError);
    expect(() => v.site("b.example:80", new HttpServer())).toThrow(TypeError);
    expect(() => v.site("b.example/x", new HttpServer())).toThrow(TypeError);
    expect(() => v.site([], new HttpServer())).toThrow(TypeError);
    expect(() => v.site("", new HttpServer())).toThrow(TypeError);
  });
});
