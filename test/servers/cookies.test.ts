/**
 * Cookies on the session and the servlet (SPEC §13), through the real request cycle on the
 * recording transport: reading the request's cookies (several Cookie fields read as one), setting
 * and clearing them as Set-Cookie lines of whichever response starts (one line per cookie, the
 * last set of a cookie kept), and signed cookies with the transport's secrets.
 */
import { describe, expect, test } from "bun:test";
import { type HttpSession, HttpServlet } from "../../src/index.ts";
import { ResponseRecorder } from "../helpers/response-recorder.ts";

/** A servlet made of one function. */
function servlet(fn: (s: HttpServlet) => void) {
  return (session: HttpSession) =>
    new (class extends HttpServlet {
      override processRequest(): void {
        fn(this);
      }
    })(session);
}

/** A GET of / with these extra header lines. */
const get = (...lines: string[]) => `GET / HTTP/1.1\r\nHost: x\r\n${lines.map((l) => `${l}\r\n`).join("")}\r\n`;

/** The Set-Cookie values of what the recorder wrote, in order. */
function setCookies(rec: ResponseRecorder): string[] {
  return [...rec.text().matchAll(/^Set-Cookie: (.*)\r$/gim)].map((m) => m[1]!);
}

/** Serves `raw` with `fn` (secrets when given) and returns the recorder. */
function serve(raw: string, fn: (s: HttpServlet) => void, secrets?: string[]): ResponseRecorder {
  const rec = new ResponseRecorder(raw);
  if (secrets) rec.useCookieSecrets(secrets);
  rec.serve(servlet(fn));
  return rec;
}

describe("reading", () => {
  test("cookie() and cookies() on the servlet and the session, values as sent", () => {
    const seen: unknown[] = [];
    serve(get('Cookie: theme=dark; lang="en"; n=%41'), (s) => {
      seen.push(s.cookie("theme"), s.session.cookie("lang"), s.cookie("n"), s.cookie("missing"), { ...s.cookies() });
      s.sendJson(1);
    });
    expect(seen).toEqual(["dark", "en", "%41", undefined, { theme: "dark", lang: "en", n: "%41" }]);
  });

  test("several Cookie fields are read as one, joined with '; ' (not header()'s ', ')", () => {
    let jar: Record<string, string> = {};
    serve(get("Cookie: a=1, x", "cookie: b=2", "COOKIE: a=3; c=4"), (s) => {
      jar = { ...s.cookies() };
      s.sendJson(1);
    });
    expect(jar).toEqual({ a: "1, x", b: "2", c: "4" });
  });

  test("no Cookie field, or a malformed one: an empty record, never a throw", () => {
    const jars: Record<string, string>[] = [];
    for (const raw of [get(), get("Cookie: ;;=;==;  ;novalue"), get("Cookie:")]) {
      serve(raw, (s) => {
        jars.push({ ...s.cookies() });
        s.sendJson(1);
      });
    }
    expect(jars).toEqual([{}, {}, {}]);
  });

  test("cookies() is the same record on every call, frozen", () => {
    const seen: unknown[] = [];
    serve(get("Cookie: a=1"), (s) => {
      const jar = s.cookies();
      seen.push(s.cookies() === jar, Object.isFrozen(jar));
      s.sendJson(1);
    });
    expect(seen).toEqual([true, true]);
  });
});

describe("setting and clearing", () => {
  test("two cookies are two Set-Cookie lines; the same cookie twice keeps the last", () => {
    const rec = serve(get(), (s) => {
      s.setCookie("a", "1");
      s.setCookie("b", "2", { httpOnly: true, sameSite: "Lax" });
      s.setCookie("a", "3", { maxAge: 60 });
      s.sendJson({ ok: true });
    });
    expect(setCookies(rec)).toEqual(["a=3; Max-Age=60; Path=/", "b=2; Path=/; HttpOnly; SameSite=Lax"]);
    expect(rec.response().body).toBe('{"ok":true}');
  });

  test("a cookie is its name, path and domain: the same name on two paths is two lines", () => {
    const rec = serve(get(), (s) => {
      s.setCookie("a", "root");
      s.setCookie("a", "app", { path: "/app" });
      s.setCookie("a", "other", { domain: "example.com" });
      s.sendResponse(204);
      s.endHeaders();
    });
    expect(setCookies(rec)).toEqual(["a=root; Path=/", "a=app; Path=/app", "a=other; Domain=example.com; Path=/"]);
  });

  test("clearCookie() replaces a setCookie() of the same cookie, and expires it", () => {
    const rec = serve(get(), (s) => {
      s.setCookie("sid", "x");
      s.setCookie("keep", "1");
      s.clearCookie("sid");
      s.clearCookie("__Host-id");
      s.sendJson(1);
    });
    expect(setCookies(rec)).toEqual([
      "sid=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/",
      "keep=1; Path=/",
      "__Host-id=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; Secure",
    ]);
  });

  test("the cookies go out with an error page, a hand-made head and a redirect alike", () => {
    const error = serve(get("Accept: application/json"), (s) => {
      s.setCookie("a", "1");
      s.sendError(403);
    });
    expect(error.response().status).toBe(403);
    expect(setCookies(error)).toEqual(["a=1; Path=/"]);
    const head = serve(get(), (s) => {
      s.setCookie("a", "1");
      s.sendResponse(200);
      s.sendHeader("Content-Length", 0);
      s.endContent();
    });
    expect(setCookies(head)).toEqual(["a=1; Path=/"]);
  });

  test("ignored once the response has started; a bad cookie throws a TypeError and the response goes on", () => {
    const thrown: unknown[] = [];
    const rec = serve(get(), (s) => {
      for (const [name, value] of [
        ["bad name", "1"],
        ["a", "x y"],
        ["a", "1\r\nX: y"],
      ] as const) {
        try {
          s.setCookie(name, value);
        } catch (e) {
          thrown.push(e);
        }
      }
      try {
        s.setCookie("n", "1", { sameSite: "None" });
      } catch (e) {
        thrown.push(e);
      }
      s.sendResponse(200);
      s.setCookie("late", "1");
      s.clearCookie("late2");
      s.sendHeader("Content-Length", 0);
      s.endContent();
    });
    expect(thrown.map((e) => e instanceof TypeError)).toEqual([true, true, true, true]);
    expect(rec.response().status).toBe(200);
    expect(setCookies(rec)).toEqual([]);
  });
});

describe("signed cookies", () => {
  const SECRET = "k1: 32 random bytes in production";
  const OLD = "k0: the secret before";

  test("signed with the transport's first secret, read back verified; unsigned and tampered ones are undefined", () => {
    const sent = setCookies(
      serve(
        get(),
        (s) => {
          s.setCookie("uid", "42", { signed: true, httpOnly: true });
          s.sendJson(1);
        },
        [SECRET, OLD],
      ),
    );
    expect(sent).toHaveLength(1);
    const signed = /^uid=([^;]+);/.exec(sent[0]!)![1]!;
    expect(signed).toMatch(/^42\.[\w-]{43}$/);

    const read: unknown[] = [];
    const tampered = `41${signed.slice(2)}`;
    serve(
      get(`Cookie: uid=${signed}; plain=42; bad=${tampered}; moved=${signed}`),
      (s) => {
        read.push(s.cookie("uid", { signed: true }), s.cookie("uid"), s.cookie("plain", { signed: true }));
        read.push(s.cookie("bad", { signed: true }), s.cookie("moved", { signed: true }), s.cookie("none", { signed: true }));
        s.sendJson(1);
      },
      [SECRET],
    );
    expect(read).toEqual(["42", signed, undefined, undefined, undefined, undefined]);
  });

  test("rotation: a cookie signed with the old secret still verifies once a new one is first", () => {
    const signedOld = /^uid=([^;]+);/.exec(
      setCookies(
        serve(
          get(),
          (s) => {
            s.setCookie("uid", "7", { signed: true });
            s.sendJson(1);
          },
          [OLD],
        ),
      )[0]!,
    )![1]!;
    const read: unknown[] = [];
    serve(
      get(`Cookie: uid=${signedOld}`),
      (s) => {
        read.push(s.cookie("uid", { signed: true }));
        s.sendJson(1);
      },
      [SECRET, OLD],
    );
    serve(
      get(`Cookie: uid=${signedOld}`),
      (s) => {
        read.push(s.cookie("uid", { signed: true }));
        s.sendJson(1);
      },
      [SECRET],
    );
    expect(read).toEqual(["7", undefined]);
  });

  test("without cookieSecrets, signing and verifying are a clear Error (a configuration bug, not bad input)", () => {
    const thrown: unknown[] = [];
    serve(get("Cookie: uid=1"), (s) => {
      try {
        s.setCookie("uid", "1", { signed: true });
      } catch (e) {
        thrown.push(e);
      }
      try {
        s.cookie("uid", { signed: true });
      } catch (e) {
        thrown.push(e);
      }
      s.sendJson(1);
    });
    expect(thrown).toHaveLength(2);
    for (const e of thrown) expect(String(e)).toContain("cookieSecrets");
  });
});
