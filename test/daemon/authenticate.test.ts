/** authenticate(session, scheme, credentials): any Authorization scheme reaches the server object. */
import { describe, expect, test } from "bun:test";
import { HttpError, type HttpServlet, Router, type HttpSession } from "../../src/index.ts";
import { parseAuthorization } from "../../src/servers/http-server.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { startDaemon } from "../helpers/servers.ts";

/** Bearer tokens (and an API-key scheme of its own); records what it was asked. */
class TokenApi extends Router {
  calls: [string, string][] = [];
  constructor() {
    super();
    this.get("/me", (s) => s.sendJson({ user: s.remoteUser() }));
  }
  override authenticate(_s: HttpSession, scheme: string, credentials: string) {
    this.calls.push([scheme, credentials]);
    if (scheme === "bearer") {
      if (credentials === "slow-good") return Promise.resolve("bob");
      if (credentials === "slow-bad") return Promise.reject(new HttpError(403, "token revoked"));
      if (!/^[A-Za-z0-9._~+/-]+=*$/.test(credentials)) throw new HttpError(400, "malformed token");
      return credentials === "t0ken" ? "alice" : false;
    }
    if (scheme === "x-api-key") return credentials === "k1";
    if (scheme === "boom") throw new Error("bug in authenticate");
    return false; // no credentials or a scheme this API does not take: challenge
  }
  override challenge(): string {
    return 'Bearer realm="api"';
  }
}

async function get(port: number, auth: string | null): Promise<{ status: number; body: string; challenge?: string; closed: boolean }> {
  using c = await RawClient.connect(port);
  const r = await c.request(`GET /api/me HTTP/1.0\r\nConnection: keep-alive\r\n${auth === null ? "" : `Authorization: ${auth}\r\n`}\r\n`);
  if (r.status !== 200) await c.untilClosed();
  return { status: r.status, body: r.body, challenge: r.headers["www-authenticate"], closed: c.closed };
}

describe("authenticate()", () => {
  test("a Bearer token reaches the server object; its user name becomes remoteUser()", async () => {
    const api = new TokenApi();
    await using srv = startDaemon({ "/api": api });
    const r = await get(srv.port, "Bearer t0ken");
    expect([r.status, JSON.parse(r.body)]).toEqual([200, { user: "alice" }]);
    expect(r.closed).toBe(false);
    expect(api.calls).toEqual([["bearer", "t0ken"]]);
  });

  test("schemes are case-insensitive; credentials are passed as sent", async () => {
    const api = new TokenApi();
    await using srv = startDaemon({ "/api": api });
    expect((await get(srv.port, "BEARER   t0ken  ")).status).toBe(200);
    expect((await get(srv.port, "X-Api-Key k1")).status).toBe(200);
    expect(api.calls).toEqual([
      ["bearer", "t0ken"],
      ["x-api-key", "k1"],
    ]);
  });

  test("false → 401 with the server's challenge, closed; no header → scheme ''", async () => {
    const api = new TokenApi();
    await using srv = startDaemon({ "/api": api });
    for (const auth of ["Bearer wrong", null, "Digest username=x"]) {
      const r = await get(srv.port, auth);
      expect([r.status, r.challenge, r.closed]).toEqual([401, 'Bearer realm="api"', true]);
    }
    expect(api.calls.map((c) => c[0])).toEqual(["bearer", "", "digest"]);
  });

  test("an HttpError thrown or rejected is the server's status; async decisions work", async () => {
    await using srv = startDaemon({ "/api": new TokenApi() });
    expect((await get(srv.port, "Bearer slow-good")).body).toBe('{"user":"bob"}');
    const revoked = await get(srv.port, "Bearer slow-bad");
    expect([revoked.status, revoked.closed]).toEqual([403, true]);
    expect(revoked.body).toContain("token revoked");
    expect((await get(srv.port, "Bearer <bad>")).status).toBe(400);
    expect(srv.errors).toEqual([]);
  });

  test("another throw is logged and challenged; a malformed header is challenged", async () => {
    await using srv = startDaemon({ "/api": new TokenApi() });
    expect((await get(srv.port, "Boom x")).status).toBe(401);
    expect(srv.errors.join("\n")).toContain("authenticate() threw");
    expect((await get(srv.port, "(not a scheme)")).status).toBe(401);
  });

  test("a servlet is not created when authentication fails", async () => {
    let made = 0;
    class Counting extends TokenApi {
      override servlet(s: HttpSession): HttpServlet | null {
        made++;
        return super.servlet(s);
      }
    }
    await using srv = startDaemon({ "/api": new Counting() });
    await get(srv.port, "Bearer wrong");
    expect(made).toBe(0);
    await get(srv.port, "Bearer t0ken");
    expect(made).toBe(1);
  });

  test("parseAuthorization", () => {
    expect(parseAuthorization(null)).toBeNull();
    expect(parseAuthorization("Bearer abc.def")).toEqual({ scheme: "bearer", credentials: "abc.def" });
    expect(parseAuthorization("Negotiate")).toEqual({ scheme: "negotiate", credentials: "" });
    expect(parseAuthorization('Digest realm="a b", nonce="x"')).toEqual({ scheme: "digest", credentials: 'realm="a b", nonce="x"' });
    expect(parseAuthorization("(x) y")).toBe(400);
    expect(parseAuthorization("")).toBe(400);
  });
});
