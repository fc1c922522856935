/**
 * Content codings the file server can send, and which one a client's Accept-Encoding prefers
 * (RFC 9110 §12.5.3): the highest q-value wins, `br` before `gzip` on a tie (smaller), `q=0`
 * refuses a coding, `*` stands for codings not named. Identity is always acceptable here: a
 * client that refuses it still gets it rather than a 406 (what nginx and Go do).
 */

/** A content coding served: its token and the file suffix of a precompressed sibling. */
export interface Coding {
  /** Token in Accept-Encoding and Content-Encoding. */
  readonly token: "br" | "gzip";
  /** Suffix of the precompressed sibling file (`x.js.br`). */
  readonly suffix: ".br" | ".gz";
}

/** Brotli: `.br` siblings. */
export const BROTLI: Coding = { token: "br", suffix: ".br" };
/** gzip: `.gz` siblings. */
export const GZIP: Coding = { token: "gzip", suffix: ".gz" };
/** Every coding, in the order preferred on a tie. */
export const CODINGS: readonly Coding[] = [BROTLI, GZIP];

/** The q-value the field gives `token` (1 when named without q; `*`'s when not named; 0 when absent). */
function qualityOf(field: string, token: string): number {
  let star = 0;
  for (const element of field.split(",")) {
    const parts = element.split(";");
    const name = parts[0]!.trim().toLowerCase();
    if (name !== token && name !== "*" && !(token === "gzip" && name === "x-gzip")) continue;
    let q = 1;
    for (let i = 1; i < parts.length; i++) {
      const param = parts[i]!.trim().toLowerCase();
      if (param.startsWith("q=")) {
        q = Number(param.slice(2));
        if (!Number.isFinite(q) || q < 0 || q > 1) q = 0;
      }
    }
    if (name === "*") star = q;
    else return q;
  }
  return star;
}

/**
 * The coding to send among `available` for this Accept-Encoding field, or null for identity.
 * `available` is in preference order for ties.
 */
export function chooseCoding(field: string, available: readonly Coding[]): Coding | null {
  let best: Coding | null = null;
  let bestQ = 0;
  for (const coding of available) {
    const q = qualityOf(field, coding.token);
    if (q > bestQ) {
      best = coding;
      bestQ = q;
    }
  }
  return best;
}
