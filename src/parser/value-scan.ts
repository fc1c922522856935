/**
 * The field-value scan: sixteen bytes per step in WebAssembly SIMD.
 *
 * JavaScript reads a Uint8Array one byte at a time, and the table scan of parse-head.ts tops out
 * near 0.25 ns per byte: on a browser's request head (a 120-byte User-Agent, a 250-byte Cookie)
 * that is half of the parse. WebAssembly can load sixteen bytes and test them all at once, but
 * only in its own memory, and JavaScript has no allocation-free way to hand it part of another
 * buffer except a native copy. So the bytes are copied into a scratch memory a window at a time
 * (`Buffer.prototype.copy`, which takes a source range and allocates nothing) and scanned there.
 * One window usually holds the rest of the head, so a request pays one copy and one call per
 * field value (1.7 ns a call: cheaper than testing even a short value in JavaScript first).
 *
 * A window holds only bytes below the `stop` of the parseHead call that copied it, and a call
 * that suspends (INCOMPLETE) has scanned up to its stop, so the next call always copies afresh:
 * a window is never read by a later call, which may come with a refilled or another buffer, or
 * after another head used the (shared) scratch memory. A new request (`head.reset()`) forgets the
 * window, as the next request's bytes may lie inside it, copied from a buffer since refilled; so
 * does a move (`head.rebase()`), which changes the offsets.
 *
 * The module is assembled here, byte by byte, from the listing below (178 bytes; no
 * toolchain, nothing fetched), and checked against the FIELD_VALUE table for every byte value when
 * this module loads. Where WebAssembly SIMD is missing (or the check failed), the same answer
 * comes from the byte table in JavaScript.
 */
import { allIn8, DEL, FIELD_VALUE, HTAB, SP } from "./chars.ts";
import type { RequestHead } from "./request-head.ts";

/** Bytes copied into the scratch memory per window. */
export const SCAN_WINDOW = 1024;
/** The scan loads sixteen bytes at a time and may read this far past the window's end. */
const SIMD_WIDTH = 16;
/** Bytes tested per branch by the JavaScript table scans (here and parse-head.ts's target scan). */
export const BLOCK = 8;

/*
 * (module
 *   (memory (export "mem") 1)
 *   ;; The offset of the first byte in [p, stop) that is not field-vchar, SP or HTAB; else stop.
 *   ;; Invalid: c <u 0x20 except HTAB, and DEL (RFC 9110 §5.5; obs-text 0x80-0xFF is allowed).
 *   ;; Reads up to 15 bytes past stop; a hit there is clamped to stop.
 *   (func (export "scan") (param $p i32) (param $stop i32) (result i32) (local $m i32) (local $v v128)
 *     (block $done
 *       (loop $next
 *         (br_if $done (i32.ge_u (local.get $p) (local.get $stop)))
 *         (local.set $v (v128.load (local.get $p)))
 *         (local.set $m (i8x16.bitmask (v128.or
 *           (v128.andnot (i8x16.lt_u (local.get $v) (i8x16.splat 0x20)) (i8x16.eq (local.get $v) (i8x16.splat 0x09)))
 *           (i8x16.eq (local.get $v) (i8x16.splat 0x7f)))))
 *         (if (local.get $m) (then
 *           (local.set $p (i32.add (local.get $p) (i32.ctz (local.get $m))))
 *           (return (select (local.get $p) (local.get $stop) (i32.lt_u (local.get $p) (local.get $stop))))))
 *         (local.set $p (i32.add (local.get $p) (i32.const 16)))
 *         (br $next)))
 *     (local.get $stop)))
 */
// WebAssembly binary encoding (core spec §5, SIMD proposal): the opcodes and codes used below.
const MAGIC_AND_VERSION = [0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]; // "\0asm", version 1
const SECTION_TYPE = 1;
const SECTION_FUNCTION = 3;
const SECTION_MEMORY = 5;
const SECTION_EXPORT = 7;
const SECTION_CODE = 10;
const FUNC_TYPE = 0x60;
const EXPORT_FUNC = 0;
const EXPORT_MEMORY = 2;
const LIMITS_MIN_ONLY = 0;
const I32 = 0x7f;
const V128 = 0x7b;
const EMPTY_BLOCK_TYPE = 0x40;
const BLOCK_OP = 0x02;
const LOOP = 0x03;
const IF = 0x04;
const END = 0x0b;
const BR = 0x0c;
const BR_IF = 0x0d;
const RETURN = 0x0f;
const SELECT = 0x1b;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const LOCAL_TEE = 0x22;
const I32_CONST = 0x41;
const I32_LT_U = 0x49;
const I32_GE_U = 0x4f;
const I32_CTZ = 0x68;
const I32_ADD = 0x6a;
const SIMD = 0xfd;
const V128_LOAD = 0x00;
const V128_CONST = 0x0c;
const I8X16_EQ = 0x23;
const I8X16_LT_U = 0x26;
const V128_ANDNOT = 0x4f;
const V128_OR = 0x50;
const I8X16_BITMASK = 0x64;
// Local indices: the two parameters, then the two locals.
const P = 0;
const STOP = 1;
const M = 2;
const V = 3;
// Branch depths from inside the loop: 0 is $next, 1 is $done.
const TO_NEXT = 0;
const TO_DONE = 1;

/** An unsigned LEB128 number. */
function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

const name = (s: string) => [...leb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
const section = (id: number, bytes: number[]) => [id, ...leb(bytes.length), ...bytes];
const splat = (byte: number) => [SIMD, V128_CONST, ...new Array<number>(SIMD_WIDTH).fill(byte)];

/** The module of the listing above, as bytes. */
function moduleBytes(): Uint8Array {
  const body = [
    ...[2, 1, I32, 1, V128], // two local groups: one i32 ($m), one v128 ($v)
    ...[BLOCK_OP, EMPTY_BLOCK_TYPE, LOOP, EMPTY_BLOCK_TYPE],
    ...[LOCAL_GET, P, LOCAL_GET, STOP, I32_GE_U, BR_IF, TO_DONE],
    ...[LOCAL_GET, P, SIMD, V128_LOAD, 0, 0, LOCAL_TEE, V], // memarg: align 2^0, offset 0
    ...[...splat(SP), SIMD, I8X16_LT_U], // below SP: the CTLs...
    ...[LOCAL_GET, V, ...splat(HTAB), SIMD, I8X16_EQ, SIMD, V128_ANDNOT], // ...except HTAB
    ...[LOCAL_GET, V, ...splat(DEL), SIMD, I8X16_EQ, SIMD, V128_OR], // and DEL
    ...[SIMD, I8X16_BITMASK, LOCAL_TEE, M],
    ...[IF, EMPTY_BLOCK_TYPE],
    ...[LOCAL_GET, P, LOCAL_GET, M, I32_CTZ, I32_ADD, LOCAL_TEE, P],
    ...[LOCAL_GET, STOP, LOCAL_GET, P, LOCAL_GET, STOP, I32_LT_U, SELECT, RETURN],
    END,
    ...[LOCAL_GET, P, I32_CONST, SIMD_WIDTH, I32_ADD, LOCAL_SET, P, BR, TO_NEXT],
    ...[END, END, LOCAL_GET, STOP, END],
  ];
  return Uint8Array.from([
    ...MAGIC_AND_VERSION,
    ...section(SECTION_TYPE, [1, FUNC_TYPE, 2, I32, I32, 1, I32]), // type 0: (i32, i32) -> i32
    ...section(SECTION_FUNCTION, [1, 0]), // function 0 has type 0
    ...section(SECTION_MEMORY, [1, LIMITS_MIN_ONLY, 1]), // one memory of one page (64 KiB)
    ...section(SECTION_EXPORT, [2, ...name("mem"), EXPORT_MEMORY, 0, ...name("scan"), EXPORT_FUNC, 0]),
    ...section(SECTION_CODE, [1, ...leb(body.length), ...body]),
  ]);
}

/** The instantiated scanner, or null where WebAssembly SIMD is unavailable. */
function instantiate(): { scan: (p: number, stop: number) => number; scratch: Uint8Array } | null {
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes()));
    const memory = instance.exports.mem as WebAssembly.Memory;
    const scan = instance.exports.scan as (p: number, stop: number) => number;
    const scratch = new Uint8Array(memory.buffer);
    return agreesWithTable(scan, scratch) ? { scan, scratch } : null;
  } catch {
    return null;
  }
}

/**
 * The module's byte class is a second definition of FIELD_VALUE; this checks it against the
 * table once at load: every byte value, each at a position of its own in the 16-byte block.
 */
function agreesWithTable(scan: (p: number, stop: number) => number, scratch: Uint8Array): boolean {
  const VALID = 0x61; // "a"
  const length = 2 * SIMD_WIDTH;
  scratch.fill(VALID, 0, length);
  for (let c = 0; c < 256; c++) {
    const at = c % SIMD_WIDTH;
    scratch[at] = c;
    const found = scan(0, length);
    scratch[at] = VALID;
    if (found !== (FIELD_VALUE[c] === 1 ? length : at)) return false;
  }
  return true;
}

const simd = instantiate();
// The memory is never grown, so this view never detaches.
const scratch = simd?.scratch ?? new Uint8Array(0);
const simdScan = simd?.scan ?? ((_p: number, stop: number) => stop);
let useSimd = simd !== null && scratch.length >= SCAN_WINDOW + SIMD_WIDTH;

/** A Node Buffer method that copies a source range without making a view of it. */
const copyRange = Buffer.prototype.copy;

/** True when the WebAssembly scan is in use (false: the JavaScript table scan). */
export function simdValueScan(): boolean {
  return useSimd;
}

/**
 * Chooses the scanner: `false` forces the JavaScript table scan (tests compare the two); `true`
 * restores the WebAssembly one where it is available. Returns the scanner now in use.
 */
export function setSimdValueScan(on: boolean): boolean {
  useSimd = on && simd !== null && scratch.length >= SCAN_WINDOW + SIMD_WIDTH;
  return useSimd;
}

/**
 * The offset of the first byte of buf[p..stop) that is not field-vchar, SP or HTAB (RFC 9110
 * §5.5), or `stop`. `head` carries the window copied for its request; `stop` must not exceed the
 * `end` given to parseHead. Hot path: no allocation.
 */
export function scanFieldValue(buf: Uint8Array, p: number, stop: number, head: RequestHead): number {
  if (!useSimd) return scanTable(buf, p, stop);
  for (;;) {
    let from = head.windowStart;
    let length = head.windowLength;
    // Copy when p is outside the window, on either side: one unsigned comparison. (p below the
    // window cannot happen while reset() and rebase() forget it; if it ever did, copying is the
    // safe answer: measured as fast as testing the end alone.)
    if ((p - from) >>> 0 >= length) {
      // (`scratch.set(buf)` costs ~85 ns before its first byte: the ranged copy is faster.)
      const end = Math.min(stop, p + SCAN_WINDOW);
      copyRange.call(buf, scratch, 0, p, end);
      head.windowStart = from = p;
      head.windowLength = length = end - p;
    }
    const limit = Math.min(stop, from + length);
    const q = simdScan(p - from, limit - from) + from;
    if (q < limit || limit === stop) return q;
    p = q; // the window ended inside the value: copy the next one
  }
}

/** The JavaScript scan: eight table entries AND-ed per branch, then byte by byte. */
function scanTable(buf: Uint8Array, p: number, stop: number): number {
  while (p + BLOCK <= stop && allIn8(FIELD_VALUE, buf, p)) p += BLOCK;
  while (p < stop && FIELD_VALUE[buf[p]!] === 1) p++;
  return p;
}
