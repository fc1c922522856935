/**
 * Certificates chosen by SNI on one port, and new certificates for new handshakes (SPEC §10),
 * on a `Bun.listen` listener — which Bun 1.4.5 has no public API for: `Bun.listen` takes one TLS
 * options object (an array throws "TLSOptions must be an object") and the listener's `reload()`
 * replaces the socket handlers only. Bun's node:tls `Server` does both, with instance methods
 * that act on the Bun listener it keeps in `_handle`: `addContext(name, options)` registers a
 * context for a server name (replacing one already there), `setSecureContext(options)` replaces
 * the default context. A `Server` that never listens, given our listener as its `_handle`, is the
 * one door to them; everything about it is in this file (docs/tls.md says what is relied on).
 * Handshakes already done keep their context: open connections go on.
 */
import type { TCPSocketListener } from "bun";
import type { Server } from "node:tls";
import type { Protocol } from "./protocols.ts";
import { contextOptions, type LoadedCertificate } from "./tls-options.ts";

/** node:tls's Server as Bun implements it: its listener, which addContext and setSecureContext act on. */
type ListenerOwner = Server & { _handle: TCPSocketListener<unknown> | null };

/** The TLS contexts of one listener beyond what `Bun.listen` was given. */
export class ListenerContexts {
  private readonly owner: ListenerOwner;

  /** For `listener` (a TLS one) offering `protocols` by ALPN; nothing changes until install(). */
  constructor(listener: TCPSocketListener<unknown>, protocols: readonly Protocol[]) {
    // ALPNProtocols: a context made by setSecureContext carries the server's ALPN list; without
    // it handshakes after a reload negotiate no protocol.
    // node:tls loaded here, not at import: a daemon without SNI or reloads never loads it.
    const { createServer } = require("node:tls") as typeof import("node:tls");
    this.owner = createServer({ ALPNProtocols: [...protocols] }) as ListenerOwner;
    this.owner._handle = listener;
  }

  /**
   * Serves `certs` for new handshakes: every name of the second and later certificates selects
   * it (SNI); `replaceDefault` also makes the first the default (a reload; at start the listener
   * was created with it). A name no longer listed keeps its last certificate (Bun removes none).
   */
  install(certs: readonly LoadedCertificate[], replaceDefault: boolean): void {
    if (replaceDefault) this.owner.setSecureContext(contextOptions(certs[0]!));
    for (const cert of certs.slice(1)) for (const name of cert.names) this.owner.addContext(name, contextOptions(cert));
  }

  /** Lets go of the listener (it stopped). */
  release(): void {
    this.owner._handle = null;
  }
}
