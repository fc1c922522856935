/**
 * The server's side of the WebSocket opening handshake (RFC 6455 §4.2): whether a request may
 * become a WebSocket, and the 101 that makes it one — or the refusal the servlet's upgrade()
 * answers instead:
 * - no `Upgrade: websocket` at all (a plain GET, or any HTTP/2 stream: RFC 8441's extended
 *   CONNECT is not offered) → 426 with `Upgrade: websocket` (RFC 9110 §15.5.22);
 * - a version other than 13 → 426 with `Upgrade: websocket` and `Sec-WebSocket-Version: 13` (§4.4);
 * - anything else malformed (not GET, below HTTP/1.1, no `Connection: upgrade`, a bad key, a body)
 *   → 400 (§4.2.1: "the server MUST stop processing the client's handshake and return an HTTP
 *   response with an appropriate error code (such as 400 Bad Request)");
 * - an Origin outside the server's allow-list → 403 (§4.2.2 item 4; §10.2 cross-site use).
 * Subprotocols: the server's first choice the client offered (parser/ws/protocols.ts). Extensions:
 * permessage-deflate when offered and acceptable, without context takeover either way
 * (http/ws/permessage-deflate.ts explains why).
 */
import { acceptKey, isValidClientKey } from "../http/ws/accept-key.ts";
import { deflateResponse } from "../http/ws/permessage-deflate.ts";
import { METHOD_GET } from "../parser/index.ts";
import { choosePermessageDeflate, DEFLATE_ACCEPTED, DeflateOffer } from "../parser/ws/extensions.ts";
import { chooseProtocol, NO_PROTOCOL } from "../parser/ws/protocols.ts";

/** RFC 6455 §4.1: the only version this server speaks. */
const WEBSOCKET_VERSION = "13";

/** Checks an upgrade's options: a size that is not a positive integer is a RangeError at the call (a config value that failed to parse must not become a limit that never applies). */
export function checkUpgradeOptions(options: UpgradeOptions): void {
  for (const key of ["maxMessage", "maxBacklog"] as const) {
    const v = options[key];
    if (v !== undefined && !(Number.isSafeInteger(v) && v > 0))
      throw new RangeError(`upgrade(): ${key} must be a positive integer, not ${v}`);
  }
}

/** What a servlet may ask of an upgrade (HttpServlet.upgrade). */
export interface UpgradeOptions {
  /** Subprotocols the servlet speaks, most preferred first; the client's offer picks (none agreed: no header). */
  protocols?: readonly string[];
  /**
   * Origins allowed to open the socket (`https://example.com`, compared exactly, ASCII case
   * ignored); a request with another Origin gets 403. Absent: every origin (and none) may. Browsers
   * send Origin on every WebSocket: set this for a socket that acts on the user's cookies.
   */
  origins?: readonly string[];
  /** Largest message accepted, bytes after decompression (1009 beyond). Default WS_MAX_MESSAGE. */
  maxMessage?: number;
  /** Bytes queued past which a send closes the socket with 1008. Default WS_MAX_BACKLOG. */
  maxBacklog?: number;
  /** Accept permessage-deflate when offered. Default true. */
  compress?: boolean;
}

/** The request as the handshake reads it (an HttpSession). */
export interface HandshakeRequest {
  methodCode(): number;
  isHttp11(): boolean;
  hasBody(): boolean;
  header(name: string): string | null;
}

/** A refused handshake: the status and the fields to answer with. */
export interface HandshakeRefusal {
  readonly status: number;
  readonly headers: [string, string][];
}

/** An accepted handshake: the 101's bytes, and what was agreed. */
export interface HandshakeAccepted {
  readonly response: Uint8Array;
  readonly protocol: string;
  readonly deflate: boolean;
}

const offer = new DeflateOffer();
const latin1 = (s: string) => Buffer.from(s, "latin1");

/** True when the comma-separated `list` holds `token`, ASCII case ignored (RFC 9110 §5.6.1, §7.6.1, §7.8). */
function listHas(list: string | null, token: string): boolean {
  if (list === null) return false;
  for (const element of list.split(",")) if (element.trim().toLowerCase() === token) return true;
  return false;
}

/** Reads the handshake of `req`; the 101 to send, or the refusal. */
export function readHandshake(req: HandshakeRequest, options: UpgradeOptions): HandshakeAccepted | HandshakeRefusal {
  if (!listHas(req.header("upgrade"), "websocket")) return { status: 426, headers: [["Upgrade", "websocket"]] };
  const version = req.header("sec-websocket-version");
  if (version === null || version.trim() !== WEBSOCKET_VERSION) {
    // RFC 9110 §15.5.22: a 426 names the protocol to upgrade to; RFC 6455 §4.4: and the version.
    return {
      status: 426,
      headers: [
        ["Upgrade", "websocket"],
        ["Sec-WebSocket-Version", WEBSOCKET_VERSION],
      ],
    };
  }
  const key = req.header("sec-websocket-key")?.trim() ?? "";
  if (
    req.methodCode() !== METHOD_GET ||
    !req.isHttp11() ||
    req.hasBody() ||
    !listHas(req.header("connection"), "upgrade") ||
    !isValidClientKey(key)
  ) {
    return { status: 400, headers: [] };
  }
  if (options.origins !== undefined) {
    const origin = req.header("origin")?.toLowerCase();
    if (origin === undefined || !options.origins.some((o) => o.toLowerCase() === origin)) return { status: 403, headers: [] };
  }
  let head = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n`;
  let protocol = "";
  const offered = req.header("sec-websocket-protocol");
  if (offered !== null && options.protocols !== undefined && options.protocols.length > 0) {
    const bytes = latin1(offered);
    const i = chooseProtocol(bytes, 0, bytes.length, options.protocols);
    if (i !== NO_PROTOCOL) {
      protocol = options.protocols[i]!;
      head += `Sec-WebSocket-Protocol: ${protocol}\r\n`;
    }
  }
  let deflate = false;
  const extensions = req.header("sec-websocket-extensions");
  if (extensions !== null && options.compress !== false) {
    const bytes = latin1(extensions);
    offer.reset();
    if (choosePermessageDeflate(bytes, 0, bytes.length, offer) === DEFLATE_ACCEPTED) {
      deflate = true;
      head += `Sec-WebSocket-Extensions: ${deflateResponse(offer)}\r\n`;
    }
  }
  return { response: latin1(`${head}\r\n`), protocol, deflate };
}
