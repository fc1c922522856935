/**
 * A session store for tests that lets the test decide when (and whether) each call answers: a
 * MemorySessionStore underneath, every call recorded, and while `held` its saves wait for
 * release(); `down` makes every call reject as a store that cannot be reached does. Also the
 * application the tests of the save's hold share.
 */
import { MemorySessionStore, Router, type SessionRecord, type SessionStore, SessionStoreUnavailable, Sessions } from "../../src/index.ts";

/** A store whose answers the test controls (see the file comment). */
export class ControlledStore implements SessionStore {
  readonly memory = new MemorySessionStore();
  /** Every call, in order: "get id", "set id {json}", "delete id". */
  readonly calls: string[] = [];
  /** Every call rejects with SessionStoreUnavailable while true. */
  down = false;
  /** Calls of these kinds reject with SessionStoreUnavailable (the others answer). */
  readonly failing = new Set<"get" | "set" | "delete">();
  private gate: PromiseWithResolvers<void> | null = null;
  private setStarted = Promise.withResolvers<void>();

  /** From now on saves wait until release(). */
  hold(): void {
    this.gate = Promise.withResolvers<void>();
  }

  /** Lets the waiting saves (and later ones) through. */
  release(): void {
    this.gate?.resolve();
    this.gate = null;
  }

  /** Resolves when a save has begun (the next one after the last call of this). */
  whenSetStarts(): Promise<void> {
    return this.setStarted.promise;
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    this.calls.push(`get ${id}`);
    if (this.down || this.failing.has("get")) throw new SessionStoreUnavailable("test store is down");
    return this.memory.get(id);
  }

  async set(id: string, record: SessionRecord, ttlMs: number): Promise<void> {
    this.calls.push(`set ${id} ${JSON.stringify(record)}`);
    const started = this.setStarted;
    this.setStarted = Promise.withResolvers<void>();
    started.resolve();
    if (this.gate !== null) await this.gate.promise;
    if (this.down || this.failing.has("set")) throw new SessionStoreUnavailable("test store is down");
    return this.memory.set(id, record, ttlMs);
  }

  async delete(id: string): Promise<void> {
    this.calls.push(`delete ${id}`);
    if (this.down || this.failing.has("delete")) throw new SessionStoreUnavailable("test store is down");
    return this.memory.delete(id);
  }
}

/**
 * The application of the tests of the save's hold (HTTP/1 and HTTP/2): a Router with Sessions on
 * `store`; GET /login stores the user and answers the session's id, GET /me the session, GET /other
 * touches no session. A test adds its own routes to it.
 */
export function holdingApp(store: ControlledStore): Router {
  return new Router()
    .use(new Sessions({ store }))
    .get("/login", async (s) => {
      (await s.sessionContext()).user = "ada";
      s.sendJson({ id: s.sessionId() });
    })
    .get("/me", async (s) => s.sendJson(await s.sessionContext()))
    .get("/other", (s) => s.sendJson({ other: true }));
}
