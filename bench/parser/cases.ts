/**
 * The parser benchmark's cases: each corpus fed once (one request per call) and pipelined (64
 * requests back to back in one buffer per call).
 */
import { AB_REQUEST, BROWSER_REQUEST, CHUNKED_POST, WRK_REQUEST, toBytes } from "../corpora.ts";

/** Requests per buffer in the pipelined feed. */
export const PIPELINE_DEPTH = 64;

/** Corpus key → [label, bytes of one request]. */
export const CORPORA = {
  browser: ["browser 703 B", BROWSER_REQUEST],
  chunked: ["chunked POST 520 B", CHUNKED_POST],
  minimal: ["wrk minimal 40 B", WRK_REQUEST],
  ab: ["ab -k 1.0", AB_REQUEST],
} as const;
/** A key of CORPORA. */
export type CorpusKey = keyof typeof CORPORA;

/** The buffer for a corpus fed `depth` requests at a time (a Buffer, as a socket would hand over). */
export function caseBuffer(corpus: CorpusKey, depth: number): Buffer {
  return Buffer.from(toBytes(CORPORA[corpus][1].repeat(depth)));
}
