/**
 * No silent hangs (SPEC §13): a processRequest() whose promise settles with no response begun and
 * no defer() gets a 500 and one counted log line; defer() keeps the request open; a servlet that
 * reads its body as it arrives is judged once contentComplete() has returned; a sync
 * processRequest() that answers later is OSE's model and is left alone.
 */
import { describe, expect, test } from "bun:test";
import { HttpServlet, type HttpSession } from "../../src/index.ts";
import { ResponseRecorder } from "../helpers/response-recorder.ts";

const GET = "GET /x HTTP/1.1\r\nHost: x\r\n\r\n";
const POST = "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n";

/** Waits for the microtasks a settled promise queues (the cycle's check runs after them). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

class Forgets extends HttpServlet {
  override async processRequest(): Promise<void> {
    await Promise.resolve();
  }
}

class Defers extends HttpServlet {
  answer: (() => void) | null = null;
  override async processRequest(): Promise<void> {
    this.session.defer();
    this.answer = () => this.sendJson("later");
  }
}

class AnswersInContentComplete extends HttpServlet {
  override async processRequest(): Promise<void> {
    this.bodyLimit = 10;
  }
  override processContent(): void {}
  override contentComplete(): void {
    this.sendJson("done");
  }
}

class ForgetsInContentComplete extends HttpServlet {
  override async processRequest(): Promise<void> {}
  override processContent(): void {}
  override async contentComplete(): Promise<void> {}
}

class SyncLater extends HttpServlet {
  override processRequest(): void {}
}

describe("a request nobody answers", () => {
  test("an async processRequest() that settles without answering gets a 500, logged once", async () => {
    const rec = new ResponseRecorder(GET);
    rec.serve((s) => new Forgets(s));
    await settle();
    expect(rec.response().status).toBe(500);
    expect(rec.errors.length).toBe(1);
    expect(rec.errors[0]).toContain("no response");
    expect(rec.errors[0]).toContain("defer()");
  });

  test("defer() keeps it open, and the later answer goes out", async () => {
    const rec = new ResponseRecorder(GET);
    const { servlet } = rec.serve((s: HttpSession) => new Defers(s));
    await settle();
    expect(rec.completed).toBeNull();
    servlet.answer?.();
    expect(rec.response().body).toBe('"later"');
    expect(rec.errors).toEqual([]);
  });

  test("a servlet reading its body is judged after contentComplete(): answering there is fine", async () => {
    const rec = new ResponseRecorder(POST);
    rec.serve((s) => new AnswersInContentComplete(s));
    await settle();
    expect(rec.completed).toBeNull();
    rec.piece("abcd");
    rec.end();
    await settle();
    expect(rec.response().body).toBe('"done"');
    expect(rec.errors).toEqual([]);
  });

  test("…and forgetting there too is a 500", async () => {
    const rec = new ResponseRecorder(POST);
    rec.serve((s) => new ForgetsInContentComplete(s));
    await settle();
    rec.piece("abcd");
    rec.end();
    await settle();
    expect(rec.response().status).toBe(500);
    expect(rec.errors.length).toBe(1);
  });

  test("a sync processRequest() that returns without answering is OSE's 'answer later': left open", async () => {
    const rec = new ResponseRecorder(GET);
    rec.serve((s) => new SyncLater(s));
    await settle();
    expect(rec.completed).toBeNull();
    expect(rec.errors).toEqual([]);
  });

  test("a client that left is not judged", async () => {
    const rec = new ResponseRecorder(GET);
    rec.serve((s) => new Forgets(s));
    rec.leave();
    await settle();
    expect(rec.errors).toEqual([]);
  });
});
