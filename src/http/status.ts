/** Status code → reason phrase (RFC 9110 §15), and the pre-encoded HTTP/1.0 and 1.1 status lines. */

const REASONS: Record<number, string> = {
  200: "OK",
  201: "Created",
  202: "Accepted",
  203: "Non-Authoritative Information",
  204: "No Content",
  205: "Reset Content",
  206: "Partial Content",
  300: "Multiple Choices",
  301: "Moved Permanently",
  302: "Found",
  303: "See Other",
  304: "Not Modified",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  408: "Request Timeout",
  409: "Conflict",
  410: "Gone",
  411: "Length Required",
  412: "Precondition Failed",
  413: "Content Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  416: "Range Not Satisfiable",
  417: "Expectation Failed",
  421: "Misdirected Request",
  422: "Unprocessable Content",
  426: "Upgrade Required",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
  505: "HTTP Version Not Supported",
};

/** The standard reason phrase for `code`, or a generic one for its class. */
export function reasonPhrase(code: number): string {
  const known = REASONS[code];
  if (known) return known;
  if (code >= 500) return "Server Error";
  if (code >= 400) return "Client Error";
  if (code >= 300) return "Redirection";
  return "Success";
}

/** True when a response with this status never has a body (RFC 9110 §6.4.1). */
export function isBodyless(code: number): boolean {
  return code === 204 || code === 304 || (code >= 100 && code < 200);
}

const encoder = new TextEncoder();
/** Cached status lines with the standard reason: [HTTP/1.0, HTTP/1.1]. */
const statusLines = [new Map<number, Uint8Array>(), new Map<number, Uint8Array>()] as const;

/**
 * `HTTP/1.<minor> <code> <reason>\r\n` as bytes (`minor` 0 or 1: HTTP/1.0 requests are answered
 * in HTTP/1.0 as OSE did, HTTP/1.1 ones in HTTP/1.1); the standard reasons are encoded once.
 */
export function statusLine(code: number, reason?: string, minor: 0 | 1 = 0): Uint8Array {
  if (reason === undefined || reason === REASONS[code]) {
    const cache = statusLines[minor];
    let line = cache.get(code);
    if (!line) {
      line = encoder.encode(`HTTP/1.${minor} ${code} ${reasonPhrase(code)}\r\n`);
      cache.set(code, line);
    }
    return line;
  }
  // A custom reason is a servlet's text: keep it to one line of visible characters.
  return encoder.encode(`HTTP/1.${minor} ${code} ${reason.replace(/[^\x20-\x7e]/g, " ")}\r\n`);
}
