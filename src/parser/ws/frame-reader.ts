/**
 * The WebSocket frame layer (RFC 6455 §5.2): an incremental push parser for the frames a CLIENT
 * sends. Bytes in, callbacks out, no throw, no allocation per frame (DESIGN rules 1, 2, 4).
 *
 * Each frame's head (2–14 bytes) is checked as its bytes arrive; a data frame's payload is
 * unmasked in place in the caller's buffer and handed over piece by piece as it arrives (never
 * buffered here); a control frame's payload (≤ 125 bytes, §5.5) is gathered, unmasked, into the
 * reader's own buffer and handed over whole. Everything a frame shows by itself is decided here:
 * masking (§5.1), reserved bits (§5.2, RFC 7692 §6.1), reserved opcodes, control-frame rules
 * (§5.5), length encoding (§5.2) and the frame size limit. Fragmentation order (§5.4), message
 * size, UTF-8 and close payloads belong to the message layer (daemon/ws-message-reader.ts).
 *
 * Resumable at any split: partial head, remaining payload length, mask phase and partial control
 * payload carry across calls, so feeding the bytes whole, split anywhere or byte by byte gives the
 * same callbacks (payload pieces aside) and the same result.
 */
import {
  E_WS_CONTROL_FRAGMENTED,
  E_WS_CONTROL_TOO_LONG,
  E_WS_FRAME_TOO_BIG,
  E_WS_LENGTH_TOP_BIT,
  E_WS_NON_MINIMAL_LENGTH,
  E_WS_RESERVED_BIT,
  E_WS_RESERVED_OPCODE,
  E_WS_RSV1_NOT_FIRST,
  E_WS_UNMASKED,
  type WsError,
} from "./errors.ts";

// ── §5.2: opcodes ──────────────────────────────────────────────────────────────────────────────
/** A continuation frame of a fragmented message (§5.4). */
export const OPCODE_CONTINUATION = 0x0;
/** The first frame of a text message (UTF-8, §5.6). */
export const OPCODE_TEXT = 0x1;
/** The first frame of a binary message (§5.6). */
export const OPCODE_BINARY = 0x2;
/** A Close control frame (§5.5.1). */
export const OPCODE_CLOSE = 0x8;
/** A Ping control frame (§5.5.2). */
export const OPCODE_PING = 0x9;
/** A Pong control frame (§5.5.3). */
export const OPCODE_PONG = 0xa;

/** §5.5: every control frame's payload is 125 bytes or less. */
export const MAX_CONTROL_PAYLOAD = 125;
/** The longest head a client frame can have: 2 fixed bytes, an 8-byte extended length, the 4-byte masking key (§5.2). */
export const MAX_CLIENT_FRAME_HEAD = 14;

// ── §5.2: the bits of the first two bytes ──────────────────────────────────────────────────────
const FIN_BIT = 0x80;
const RSV1_BIT = 0x40;
/** RSV2 and RSV3: no extension we negotiate defines them. */
const RSV2_RSV3_BITS = 0x30;
const OPCODE_BITS = 0x0f;
/** Opcodes 8–15 are control frames (§5.5). */
const CONTROL_BIT = 0x08;
const MASK_BIT = 0x80;
const LENGTH_7_BITS = 0x7f;
/** A 7-bit length of 126: a 16-bit length follows (§5.2). */
const LENGTH_16_FOLLOWS = 126;
/** A 7-bit length of 127: a 64-bit length follows (§5.2). */
const LENGTH_64_FOLLOWS = 127;
/** The smallest length that needs the 64-bit form (§5.2: minimal encoding). */
const MIN_LENGTH_64 = 0x10000;
/** The top bit of a 64-bit length's high 32 bits (§5.2: MUST be 0). */
const TOP_BIT_32 = 0x80000000;
/** 2^32: the place value of a 64-bit length's high half (multiplied, not shifted). */
const HIGH_HALF_PLACE = 0x100000000;
const FIXED_HEAD = 2;
const MASKING_KEY_SIZE = 4;

// ── reader states (grammar positions) ──────────────────────────────────────────────────────────
const AT_FRAME_HEAD = 0;
const IN_DATA_PAYLOAD = 1;
const IN_CONTROL_PAYLOAD = 2;
/** An error was returned, or the sink called halt() / stop(): nothing more is read. */
const HALTED = 3;

/** Bytes before the payload of a masked client frame with a 7-bit length: 2 + the masking key. */
export const SMALL_FRAME_HEAD = 6;
/** Byte 0 of a final text frame with no RSV bit (a small data frame is this one or the binary one). */
export const FIN_TEXT_BYTE = FIN_BIT | OPCODE_TEXT;

/**
 * The common case read without the state machine: when bytes[p..end) begins with a whole
 * client frame that is final, uncompressed, text or binary (no RSV bit, §5.2), masked (§5.1) and
 * of a 7-bit length of at most `maxPayload`, returns its payload length (the payload is
 * bytes[p + SMALL_FRAME_HEAD, + length), still masked by the key at p + 2); else -1, and
 * read() is the way (which then judges the frame, errors included). Call it only at a frame's
 * start (atFrameStart). hot path: no allocation.
 */
export function smallDataFrameLength(bytes: Uint8Array, p: number, end: number, maxPayload: number): number {
  if (end - p < SMALL_FRAME_HEAD) return -1;
  const b0 = bytes[p]!;
  if (b0 !== (FIN_BIT | OPCODE_TEXT) && b0 !== (FIN_BIT | OPCODE_BINARY)) return -1;
  const b1 = bytes[p + 1]!;
  if ((b1 & MASK_BIT) === 0) return -1;
  const length = b1 & LENGTH_7_BITS;
  if (length >= LENGTH_16_FOLLOWS || length > maxPayload || end - p - SMALL_FRAME_HEAD < length) return -1;
  return length;
}

/** What a WsFrameReader tells as it reads. Every callback may call the reader's halt() or stop(). */
export interface WsFrameSink {
  /** A data frame (text 1, binary 2, continuation 0) begins: its head is parsed. `length` ≤ the reader's maxFramePayload. */
  dataFrameStart(opcode: number, fin: boolean, rsv1: boolean, length: number): void;
  /** Unmasked payload of the current data frame, unmasked IN PLACE in the caller's buffer (valid during the call); never empty. */
  dataFramePayload(bytes: Uint8Array, start: number, end: number): void;
  /** The current data frame's payload is complete (called right after dataFrameStart for an empty frame). */
  dataFrameEnd(): void;
  /** A whole control frame (ping 9, pong 10, close 8): payload unmasked, ≤ 125 bytes, in the reader's own buffer (valid during the call). */
  controlFrame(opcode: number, payload: Uint8Array, start: number, end: number): void;
}

/**
 * An incremental parser of client frames (RFC 6455 §5.2). One per connection; reused across
 * frames and messages. Fields are initialised in the constructor (stable shape).
 *
 * hot path: no allocation (a data frame's payload is unmasked in place and never copied).
 */
export class WsFrameReader {
  /**
   * Whether RSV1 may be set: true once permessage-deflate was negotiated (RFC 7692 §6). Even then
   * only on a text or binary frame (the first of a message, §6.1). Default false.
   */
  allowRsv1 = false;
  /** A data frame whose payload is longer than this (bytes) is E_WS_FRAME_TOO_BIG (1009), refused from its head. */
  readonly maxFramePayload: number;

  private state = AT_FRAME_HEAD;
  /** The result halt() was given (a negative WsError), or 0 after stop(). */
  private haltResult = 0;
  /**
   * A head split across calls (its first MAX_CLIENT_FRAME_HEAD bytes) and a control frame's
   * payload being gathered (after them): made on first need, so an idle socket that never saw
   * either holds none.
   */
  private own: Uint8Array | null = null;
  private headHave = 0;
  /** The current head's full length, known once its second byte is in (2 until then). */
  private headNeed = FIXED_HEAD;
  /** The current frame's fields. */
  private opcode = 0;
  private fin = false;
  private rsv1 = false;
  private payloadLength = 0;
  /** The masking key as a big-endian 32-bit value (first key byte in the top 8 bits). */
  private maskKey = 0;
  /** Data payload bytes still to come. */
  private remaining = 0;
  /** Payload bytes of the current frame already unmasked, mod 4: which key byte comes next. */
  private maskPhase = 0;
  /** Bytes of a control frame's payload gathered (unmasked, in `own` from CONTROL_AT; §5.5: ≤ 125). */
  private controlHave = 0;

  /** `maxFramePayload`: the largest data frame payload accepted (bytes, ≥ 0); parser/limits.ts WS_MAX_FRAME_PAYLOAD is the daemon's default. */
  constructor(maxFramePayload: number) {
    this.maxFramePayload = maxFramePayload;
  }

  /** Back to the start of a frame, with no error, RSV1 not allowed: as new (for a pooled reader). */
  reset(): void {
    this.allowRsv1 = false;
    this.state = AT_FRAME_HEAD;
    this.haltResult = 0;
    this.headHave = 0;
    this.headNeed = FIXED_HEAD;
    this.opcode = 0;
    this.fin = false;
    this.rsv1 = false;
    this.payloadLength = 0;
    this.maskKey = 0;
    this.remaining = 0;
    this.maskPhase = 0;
    this.controlHave = 0;
  }

  /**
   * Called by a sink during a callback: read() returns `error` (a negative WsError) as soon as the
   * callback returns, and so does every later read() until reset(). How the message layer fails a
   * connection on something only it can judge (fragmentation, UTF-8, message size).
   */
  halt(error: WsError): void {
    this.state = HALTED;
    this.haltResult = error;
  }

  /**
   * Called by a sink during a callback: read() returns as soon as the callback returns, with the
   * bytes consumed so far (those of the frame being handed over included); later reads consume
   * nothing (return 0) until reset(). How the message layer stops reading after a Close frame
   * (RFC 6455 §5.5.1: no data after it).
   */
  stop(): void {
    this.state = HALTED;
    this.haltResult = 0;
  }

  /** Whether the next byte read begins a frame (nothing of one is held): where smallDataFrameLength may be tried. */
  get atFrameStart(): boolean {
    return this.state === AT_FRAME_HEAD && this.headHave === 0;
  }

  /** Whether halt() or stop() was called or an error returned (nothing more will be read). */
  get halted(): boolean {
    return this.state === HALTED;
  }

  /**
   * Reads client frames from bytes[start..end), telling `sink` what they hold. Returns the bytes
   * consumed — all of them (end - start), unless the sink called stop() — or a negative WsError
   * (errors.ts: wsCloseCode gives the close code to fail the connection with). State carries
   * across calls; after an error every call returns the same error.
   *
   * hot path: no allocation. Payload bytes in `bytes` are unmasked in place.
   */
  read(bytes: Uint8Array, start: number, end: number, sink: WsFrameSink): number {
    if (this.state === HALTED) return this.haltResult;
    let p = start;
    while (p < end) {
      if (this.state === AT_FRAME_HEAD) {
        let r: number;
        if (this.headHave === 0 && end - p >= FIXED_HEAD) {
          // The whole head may be in this chunk: read it where it lies.
          r = this.checkFirstByte(bytes[p]!);
          if (r === 0) r = this.checkSecondByte(bytes[p + 1]!);
          if (r < 0) return this.fail(r);
          if (end - p < this.headNeed) {
            const head = this.ownBytes();
            head[0] = bytes[p]!;
            head[1] = bytes[p + 1]!;
            this.headHave = FIXED_HEAD;
            p += FIXED_HEAD;
            continue;
          }
          r = this.readRestOfHead(bytes, p);
          if (r < 0) return this.fail(r);
          p += this.headNeed;
        } else {
          const b = bytes[p++]!;
          const head = this.ownBytes();
          head[this.headHave++] = b;
          if (this.headHave === 1) {
            r = this.checkFirstByte(b);
            if (r < 0) return this.fail(r);
            continue;
          }
          if (this.headHave === FIXED_HEAD) {
            r = this.checkSecondByte(b);
            if (r < 0) return this.fail(r);
          }
          if (this.headHave < this.headNeed) continue;
          r = this.readRestOfHead(head, 0);
          if (r < 0) return this.fail(r);
        }
        this.headHave = 0;
        this.beginPayload(sink);
        if (this.halted) return this.haltResult < 0 ? this.haltResult : p - start;
      } else if (this.state === IN_DATA_PAYLOAD) {
        const n = Math.min(this.remaining, end - p);
        unmask(bytes, p, p + n, this.maskKey, this.maskPhase);
        this.maskPhase = (this.maskPhase + n) & 3;
        this.remaining -= n;
        sink.dataFramePayload(bytes, p, p + n);
        p += n;
        if (this.halted) return this.haltResult < 0 ? this.haltResult : p - start;
        if (this.remaining === 0) {
          this.state = AT_FRAME_HEAD;
          sink.dataFrameEnd();
          if (this.halted) return this.haltResult < 0 ? this.haltResult : p - start;
        }
      } else {
        // IN_CONTROL_PAYLOAD: gather and unmask into our own buffer.
        const take = Math.min(this.payloadLength - this.controlHave, end - p);
        const control = this.ownBytes();
        const key = this.maskKey;
        let at = this.controlHave;
        for (const stop = p + take; p < stop; p++, at++) control[CONTROL_AT + at] = bytes[p]! ^ ((key >>> (24 - ((at & 3) << 3))) & 0xff);
        this.controlHave = at;
        if (at === this.payloadLength) {
          this.state = AT_FRAME_HEAD;
          sink.controlFrame(this.opcode, control, CONTROL_AT, CONTROL_AT + at);
          if (this.halted) return this.haltResult < 0 ? this.haltResult : p - start;
        }
      }
    }
    return end - start;
  }

  private fail(error: WsError): WsError {
    this.state = HALTED;
    this.haltResult = error;
    return error;
  }

  /** §5.2 byte 0: FIN, RSV1–3, opcode. Sets the frame's fields; 0 or a WsError. */
  private checkFirstByte(b0: number): number {
    const opcode = b0 & OPCODE_BITS;
    this.opcode = opcode;
    this.fin = (b0 & FIN_BIT) !== 0;
    this.rsv1 = (b0 & RSV1_BIT) !== 0;
    // §5.2: RSV2/RSV3 MUST be 0 unless an extension defines them (none we negotiate does).
    if ((b0 & RSV2_RSV3_BITS) !== 0) return E_WS_RESERVED_BIT;
    // §5.2: %x3-7 and %xB-F are reserved.
    if ((opcode > OPCODE_BINARY && opcode < OPCODE_CLOSE) || opcode > OPCODE_PONG) return E_WS_RESERVED_OPCODE;
    if (this.rsv1) {
      // RFC 7692 §6: RSV1 means "compressed" only once permessage-deflate is negotiated…
      if (!this.allowRsv1) return E_WS_RESERVED_BIT;
      // …and §6.1: never on a control frame or a message's non-first fragment.
      if (opcode === OPCODE_CONTINUATION || (opcode & CONTROL_BIT) !== 0) return E_WS_RSV1_NOT_FIRST;
    }
    // §5.5: control frames MUST NOT be fragmented.
    if ((opcode & CONTROL_BIT) !== 0 && !this.fin) return E_WS_CONTROL_FRAGMENTED;
    return 0;
  }

  /** §5.2 byte 1: MASK and the 7-bit length. Sets headNeed; 0 or a WsError. */
  private checkSecondByte(b1: number): number {
    // §5.1: a server MUST close the connection on an unmasked client frame.
    if ((b1 & MASK_BIT) === 0) return E_WS_UNMASKED;
    const length7 = b1 & LENGTH_7_BITS;
    // §5.5: control frames carry 125 bytes or less (so never an extended length).
    if ((this.opcode & CONTROL_BIT) !== 0 && length7 > MAX_CONTROL_PAYLOAD) return E_WS_CONTROL_TOO_LONG;
    const extended = length7 === LENGTH_16_FOLLOWS ? 2 : length7 === LENGTH_64_FOLLOWS ? 8 : 0;
    this.headNeed = FIXED_HEAD + extended + MASKING_KEY_SIZE;
    return 0;
  }

  /** The whole head is at buf[at..at+headNeed): the extended length and masking key. 0 or a WsError. */
  private readRestOfHead(buf: Uint8Array, at: number): number {
    const length7 = buf[at + 1]! & LENGTH_7_BITS;
    let length = length7;
    let p = at + FIXED_HEAD;
    if (length7 === LENGTH_16_FOLLOWS) {
      length = (buf[p]! << 8) | buf[p + 1]!;
      p += 2;
      // §5.2: "the minimal number of bytes MUST be used to encode the length".
      if (length < LENGTH_16_FOLLOWS) return E_WS_NON_MINIMAL_LENGTH;
    } else if (length7 === LENGTH_64_FOLLOWS) {
      const high = readUint32(buf, p);
      // §5.2: the most significant bit of a 64-bit length MUST be 0.
      if (high >= TOP_BIT_32) return E_WS_LENGTH_TOP_BIT;
      length = high * HIGH_HALF_PLACE + readUint32(buf, p + 4);
      p += 8;
      if (length < MIN_LENGTH_64) return E_WS_NON_MINIMAL_LENGTH;
    }
    if ((this.opcode & CONTROL_BIT) === 0 && length > this.maxFramePayload) return E_WS_FRAME_TOO_BIG;
    this.payloadLength = length;
    this.maskKey = readUint32(buf, p);
    return 0;
  }

  /** The reader's own bytes (a split head, a control payload), made on first need. */
  private ownBytes(): Uint8Array {
    return (this.own ??= new Uint8Array(CONTROL_AT + MAX_CONTROL_PAYLOAD));
  }

  /** The head is read: tell the sink, and go to the payload (or the next head for an empty frame). */
  private beginPayload(sink: WsFrameSink): void {
    const length = this.payloadLength;
    this.maskPhase = 0;
    if ((this.opcode & CONTROL_BIT) !== 0) {
      this.controlHave = 0;
      if (length > 0) {
        this.state = IN_CONTROL_PAYLOAD;
        return;
      }
      sink.controlFrame(this.opcode, NO_PAYLOAD, 0, 0);
      return;
    }
    sink.dataFrameStart(this.opcode, this.fin, this.rsv1, length);
    if (this.state === HALTED) return;
    if (length > 0) {
      this.remaining = length;
      this.state = IN_DATA_PAYLOAD;
      return;
    }
    sink.dataFrameEnd();
  }
}

/** An unsigned big-endian 32-bit value at buf[p..p+4). */
function readUint32(buf: Uint8Array, p: number): number {
  return ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
}

// ── Unmasking (§5.3) ────────────────────────────────────────────────────────────────────────────
/** Spans shorter than this are unmasked byte by byte (4 at a time); longer ones 32 bits at a time where aligned. */
const WORD_UNMASK_MIN = 64;
/** Whether this machine stores a Uint32Array's words little-endian (the 32-bit path assumes so; otherwise it is not used). */
/** Where a control payload is gathered in the reader's own bytes: after a split head's. */
const CONTROL_AT = MAX_CLIENT_FRAME_HEAD;
/** The payload of an empty control frame. */
const NO_PAYLOAD = new Uint8Array(0);

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
/**
 * The last ArrayBuffer unmasked 32 bits at a time and its Uint32Array view: one per process, so a
 * receive buffer reused across reads (or a chunk holding many frames) makes its view once. Holds
 * at most one buffer alive, not one per connection.
 */
let wordsBuffer: ArrayBufferLike | null = null;
let words: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

/** The key byte at `phase` (0–3) of a big-endian 32-bit masking key. */
function keyByte(key: number, phase: number): number {
  return (key >>> (24 - (phase << 3))) & 0xff;
}

/**
 * XORs buf[start..end) in place with the masking key `key` (big-endian 32-bit: the first key byte
 * in the top 8 bits), the first byte taking key byte `phase` (0–3) (RFC 6455 §5.3:
 * `j = i MOD 4`, with i counted from the payload's start, so a payload split across reads keeps
 * its phase). Long spans go 32 bits at a time over the aligned middle.
 *
 * hot path: no allocation for spans under 64 bytes; a longer span makes one Uint32Array view per
 * new ArrayBuffer (none when the caller reuses its receive buffer).
 */
export function unmask(buf: Uint8Array, start: number, end: number, key: number, phase: number): void {
  let p = start;
  let ph = phase & 3;
  if (LITTLE_ENDIAN && end - start >= WORD_UNMASK_MIN) {
    const offset = buf.byteOffset;
    for (; ((offset + p) & 3) !== 0; p++, ph = (ph + 1) & 3) buf[p] = buf[p]! ^ keyByte(key, ph);
    const buffer = buf.buffer;
    // A new buffer, or one that grew (a resizable ArrayBuffer) past the view made for it.
    if (buffer !== wordsBuffer || (offset + end) >>> 2 > words.length) {
      words = new Uint32Array(buffer, 0, buffer.byteLength >>> 2);
      wordsBuffer = buffer;
    }
    // The word at the lowest address holds key byte ph in its low 8 bits (little-endian).
    const wordKey =
      (keyByte(key, ph) | (keyByte(key, (ph + 1) & 3) << 8) | (keyByte(key, (ph + 2) & 3) << 16) | (keyByte(key, (ph + 3) & 3) << 24)) >>>
      0;
    const first = (offset + p) >>> 2;
    const count = (end - p) >>> 2;
    const w = words;
    for (let i = first, stop = first + count; i < stop; i++) w[i] = w[i]! ^ wordKey;
    p += count << 2;
  }
  const k0 = keyByte(key, ph);
  const k1 = keyByte(key, (ph + 1) & 3);
  const k2 = keyByte(key, (ph + 2) & 3);
  const k3 = keyByte(key, (ph + 3) & 3);
  for (; p + 4 <= end; p += 4) {
    buf[p] = buf[p]! ^ k0;
    buf[p + 1] = buf[p + 1]! ^ k1;
    buf[p + 2] = buf[p + 2]! ^ k2;
    buf[p + 3] = buf[p + 3]! ^ k3;
  }
  if (p < end) buf[p] = buf[p]! ^ k0;
  if (p + 1 < end) buf[p + 1] = buf[p + 1]! ^ k1;
  if (p + 2 < end) buf[p + 2] = buf[p + 2]! ^ k2;
}
