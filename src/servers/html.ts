/** HTML helpers for generated pages. */

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An application's message (an HttpError's) as a paragraph of an error page, escaped. */
export function messageHtml(message: string | undefined): string {
  return message === undefined ? "" : `<p>${escapeHtml(message)}</p>`;
}
