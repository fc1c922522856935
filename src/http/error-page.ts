/** The body of an error response, HTML or JSON. Public error bodies never echo the request. */

/** A complete error body and its media type (what a server's errorPage() may return). */
export interface ErrorDocument {
  /** The Content-Type, e.g. "application/problem+json". */
  contentType: string;
  /** The body; a string goes out as UTF-8. */
  body: string | Uint8Array;
}

/** Content-Type of the framework's HTML error pages. */
export const HTML_TYPE = "text/html; charset=utf-8";
/** Content-Type of the framework's JSON error bodies and of sendJson(). */
export const JSON_TYPE = "application/json";

/**
 * A small complete HTML page for `code`. `html` (the servlet's own markup, as OSE's
 * sendError(code, html) took it) goes inside the page's body under the heading; it is trusted
 * markup from the application, never request data.
 */
export function errorPage(code: number, reason: string, html = ""): string {
  return (
    `<!DOCTYPE html>\n<html><head><title>${code} ${reason}</title></head>` +
    `<body><h1>${code} ${reason}</h1>${html}<hr><address>netsvc</address></body></html>\n`
  );
}

/** `{"status":404,"error":"Not Found","message":"…"}` (message only when given). */
export function errorJson(code: number, reason: string, message?: string): string {
  return JSON.stringify(message === undefined ? { status: code, error: reason } : { status: code, error: reason, message });
}

/**
 * True when an Accept value asks for JSON: a media range `application/json` or `*\/*+json`
 * (RFC 6839) with a non-zero q. `*\/*` alone is not a request for JSON (browsers send it).
 */
export function acceptsJson(accept: string | null): boolean {
  if (accept === null || !accept.includes("json")) return false;
  for (const range of accept.split(",")) {
    const [type, ...params] = range.split(";");
    const t = type!.trim().toLowerCase();
    if (t !== "application/json" && !(t.startsWith("application/") && t.endsWith("+json"))) continue;
    const q = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith("q="));
    if (q === undefined || Number(q.slice(2)) > 0) return true;
  }
  return false;
}
