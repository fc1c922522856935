/** Status code → reason phrase (RFC 9110 §15), and the pre-encoded HTTP/1.0 status lines. */

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
  422: "Unprocessable Content",
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
const statusLines = new Map<number, Uint8Array>();

/** `HTTP/1.0 <code> <reason>\r\n` as bytes; the standard reasons are encoded once and cached. */
export function statusLine(code: number, reason?: string): Uint8Array {
  if (reason === undefined || reason === REASONS[code]) {
    let line = statusLines.get(code);
    if (!line) {
      line = encoder.encode(`HTTP/1.0 ${code} ${reasonPhrase(code)}\r\n`);
      statusLines.set(code, line);
    }
    return line;
  }
  // A custom reason is a servlet's text: keep it to one line of visible characters.
  return encoder.encode(`HTTP/1.0 ${code} ${reason.replace(/[^\x20-\x7e]/g, " ")}\r\n`);
}
