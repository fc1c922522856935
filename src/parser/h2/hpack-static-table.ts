/**
 * The HPACK static table (RFC 7541 §2.3.1, Appendix A): 61 fixed entries, index 1..61, as bytes.
 * Every name and value lives in STATIC_BYTES; STATIC_SPANS holds four offsets per index
 * (nameStart, nameEnd, valueStart, valueEnd; entry 0 unused). Built once at module load.
 */

/** Number of entries (RFC 7541 Appendix A); dynamic indices start after it (§2.3.3). */
export const STATIC_TABLE_LENGTH = 61;

/** Appendix A, in index order: [name, value]. */
// biome-ignore format: the RFC's table, one entry a line
const ENTRIES: readonly (readonly [string, string])[] = [
  [":authority", ""],                   // 1
  [":method", "GET"],                   // 2
  [":method", "POST"],                  // 3
  [":path", "/"],                       // 4
  [":path", "/index.html"],             // 5
  [":scheme", "http"],                  // 6
  [":scheme", "https"],                 // 7
  [":status", "200"],                   // 8
  [":status", "204"],                   // 9
  [":status", "206"],                   // 10
  [":status", "304"],                   // 11
  [":status", "400"],                   // 12
  [":status", "404"],                   // 13
  [":status", "500"],                   // 14
  ["accept-charset", ""],               // 15
  ["accept-encoding", "gzip, deflate"], // 16
  ["accept-language", ""],              // 17
  ["accept-ranges", ""],                // 18
  ["accept", ""],                       // 19
  ["access-control-allow-origin", ""],  // 20
  ["age", ""],                          // 21
  ["allow", ""],                        // 22
  ["authorization", ""],                // 23
  ["cache-control", ""],                // 24
  ["content-disposition", ""],          // 25
  ["content-encoding", ""],             // 26
  ["content-language", ""],             // 27
  ["content-length", ""],               // 28
  ["content-location", ""],             // 29
  ["content-range", ""],                // 30
  ["content-type", ""],                 // 31
  ["cookie", ""],                       // 32
  ["date", ""],                         // 33
  ["etag", ""],                         // 34
  ["expect", ""],                       // 35
  ["expires", ""],                      // 36
  ["from", ""],                         // 37
  ["host", ""],                         // 38
  ["if-match", ""],                     // 39
  ["if-modified-since", ""],            // 40
  ["if-none-match", ""],                // 41
  ["if-range", ""],                     // 42
  ["if-unmodified-since", ""],          // 43
  ["last-modified", ""],                // 44
  ["link", ""],                         // 45
  ["location", ""],                     // 46
  ["max-forwards", ""],                 // 47
  ["proxy-authenticate", ""],           // 48
  ["proxy-authorization", ""],          // 49
  ["range", ""],                        // 50
  ["referer", ""],                      // 51
  ["refresh", ""],                      // 52
  ["retry-after", ""],                  // 53
  ["server", ""],                       // 54
  ["set-cookie", ""],                   // 55
  ["strict-transport-security", ""],    // 56
  ["transfer-encoding", ""],            // 57
  ["user-agent", ""],                   // 58
  ["vary", ""],                         // 59
  ["via", ""],                          // 60
  ["www-authenticate", ""],             // 61
];

function buildBytes(): Uint8Array {
  let n = 0;
  for (const [name, value] of ENTRIES) n += name.length + value.length;
  const bytes = new Uint8Array(n);
  let p = 0;
  for (const [name, value] of ENTRIES) {
    for (const s of [name, value]) for (let i = 0; i < s.length; i++) bytes[p++] = s.charCodeAt(i);
  }
  return bytes;
}

function buildSpans(): Int32Array {
  const spans = new Int32Array((STATIC_TABLE_LENGTH + 1) * 4);
  let p = 0;
  for (let i = 0; i < ENTRIES.length; i++) {
    const [name, value] = ENTRIES[i]!;
    const at = (i + 1) * 4;
    spans[at] = p;
    spans[at + 1] = p += name.length;
    spans[at + 2] = p;
    spans[at + 3] = p += value.length;
  }
  return spans;
}

/** Names and values of every static entry, back to back (lowercase ASCII). */
export const STATIC_BYTES: Uint8Array = buildBytes();
/** `STATIC_SPANS[4 * index + k]`: k = 0 nameStart, 1 nameEnd, 2 valueStart, 3 valueEnd in STATIC_BYTES. */
export const STATIC_SPANS: Int32Array = buildSpans();
