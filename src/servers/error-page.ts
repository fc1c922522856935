/** The HTML page of an error response. Public error bodies never echo the request. */

/** A small complete HTML page for `code`. */
export function errorPage(code: number, reason: string): string {
  return (
    `<!DOCTYPE html>\n<html><head><title>${code} ${reason}</title></head>` +
    `<body><h1>${code} ${reason}</h1><hr><address>netsvc</address></body></html>\n`
  );
}
