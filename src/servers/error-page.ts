/** The HTML page of an error response. Public error bodies never echo the request. */

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
