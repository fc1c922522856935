/**
 * MountTable: the server objects attached at paths (SPEC §2.1), and routing a request to one. The
 * daemon owns one and hands it to every request cycle; routing lives here, in servers/, so the
 * daemon never reads a request. A request goes to the server with the deepest attached path that
 * is a whole-segment prefix of its path.
 */
import type { HttpServer } from "./http-server.ts";
import { sessionInternals as internals, type HttpSession } from "./http-session.ts";
import { PrefixTrie } from "./prefix-trie.ts";

/**
 * What may be attached: a server object. The daemon's public attach() names this type, so
 * daemon/ imports nothing of http-server.ts itself (the layers point daemon → servers once).
 */
export type MountedServer = HttpServer;

/**
 * What a request cycle routes through: the daemon's MountTable, or on its cleartext port the
 * HTTPS redirect (https-redirect.ts). Same contract as MountTable.route.
 */
export interface Routing {
  /** The server for `s`, null for none (404), or the status refusing its path. */
  route(s: HttpSession): HttpServer | null | number;
}

/** Attached server objects by path. Invariant: every attached path is normalised (attach throws otherwise). */
export class MountTable implements Routing {
  private readonly trie = new PrefixTrie<HttpServer>();

  /** Attaches `server` at `path` (normalised, else a TypeError naming it); null detaches. */
  attach(path: string, server: MountedServer | null): void {
    this.trie.attach(path, server);
  }

  /**
   * The server for `s`, null for none, or the status refusing its path (400 for a target that
   * cannot be a path, 403 above the root). Records the attached path on the session.
   */
  route(s: HttpSession): HttpServer | null | number {
    const trie = this.trie;
    let server: HttpServer | null;
    if (internals.isPlainPath(s)) {
      // hot path: route on the raw bytes, no string is made.
      const start = internals.pathStart(s);
      server = trie.lookupBytes(internals.headBytes(s), start, internals.pathEnd(s));
      if (server !== null) internals.route(s, trie.matchedPath(), trie.matchEnd - start);
      return server;
    }
    const path = internals.pathOrStatus(s);
    if (typeof path === "number") return path;
    server = path === "*" ? null : trie.lookup(path);
    if (server !== null) internals.route(s, trie.matchedPath(), trie.matchEnd);
    return server;
  }
}
