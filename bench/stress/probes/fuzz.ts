/**
 * The seeded mutation fuzz: each case on its own connection, its outcome classified —
 * responses then close / an HTTP/0.9 body then close / keep-alive / no response but close / waiting for more input (then the
 * FIN is answered with a close) / hang / crash — with findings (hangs, crashes, more responses
 * than a strict reading allows, a response after one that said close, bytes that are not HTTP)
 * and the error-log bytes per 1,000 bad requests.
 */
import type { Socket } from "bun";
import { fuzzCase, hasLaterSimpleRequest, isSimpleRequest, maxResponses } from "../fuzz-cases.ts";
import type { Probe } from "../probe.ts";
import { STDERR_GOAL_PER_1000 } from "../settings.ts";
import { ReplyReader } from "../reply-reader.ts";

/** Outcome classes. */
export type FuzzOutcome =
  | "responses, then close"
  | "HTTP/0.9 body, then close"
  | "keep-alive"
  | "no response, close"
  | "waited for more; FIN answered"
  | "hang"
  | "crash"
  | "connect failed";

/** One finding, written to bench/results/stress-fuzz-findings.json. */
export interface FuzzFinding {
  case: number;
  kind: string;
  /** The input, latin1. */
  input: string;
  statuses: number[];
}

/** The figures the test asserts on too. */
export interface FuzzData {
  cases: number;
  outcomes: Record<string, number>;
  statuses: Record<string, number>;
  findings: FuzzFinding[];
  badRequests: number;
  errorLogBytes: number;
}

/** The status from which a response means "bad request" for the log-bytes ratio. */
const CLIENT_ERROR = 400;
/** Findings kept per run (the counts stay complete). */
const MAX_FINDINGS = 200;
/** Check the server process is alive every this many cases. */
const ALIVE_EVERY = 200;

/**
 * A finding kind of its own: an HTTP/0.9 simple request pipelined after an HTTP/1.x request is
 * answered body-only on the same connection, after an HTTP/1.x response (see the stress report).
 */
export const MIXED_09 = "HTTP/0.9 body-only answer after an HTTP/1.x response on the same connection";

interface CaseResult {
  outcome: FuzzOutcome;
  statuses: number[];
  finding?: string;
}

/** Runs one case: connect, write, watch; see the module comment for the classes. */
async function runCase(port: number, input: Buffer, hangMs: number, quietMs: number): Promise<CaseResult> {
  const reader = new ReplyReader();
  let closed = false;
  let wake = () => {};
  let socket: Socket<undefined>;
  try {
    socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        data: (_s, chunk) => {
          reader.push(chunk);
          wake();
        },
        close: () => {
          closed = true;
          reader.closed();
          wake();
        },
        error: () => {},
      },
    });
  } catch {
    return { outcome: "connect failed", statuses: [] };
  }
  socket.write(input);
  const waitEvent = (ms: number) =>
    new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), ms);
      wake = () => {
        clearTimeout(t);
        resolve(true);
      };
    });
  let finSent = false;
  let outcome: FuzzOutcome;
  for (;;) {
    if (closed) {
      outcome =
        finSent && reader.responses.length === 0
          ? "waited for more; FIN answered"
          : reader.responses.length > 0
            ? "responses, then close"
            : finSent
              ? "waited for more; FIN answered"
              : "no response, close";
      break;
    }
    const complete = reader.responses.length > 0 && !reader.partial;
    const progressed = await waitEvent(complete ? quietMs : hangMs);
    if (progressed) continue;
    if (complete) {
      outcome = "keep-alive";
      break;
    }
    if (!finSent && reader.bytes === 0) {
      finSent = true;
      socket.shutdown();
      continue;
    }
    outcome = "hang";
    break;
  }
  if (!closed) socket.terminate();
  const statuses = reader.responses.map((r) => r.status);
  let finding: string | undefined;
  // An HTTP/0.9 simple request is answered with the body alone, then a close (SPEC §3).
  if (reader.garbage && closed && isSimpleRequest(input)) return { outcome: "HTTP/0.9 body, then close", statuses: [] };
  if (outcome === "hang")
    finding = reader.bytes > 0 ? "hang: partial response, no close" : "hang: no byte and no close after the input and a FIN";
  else if (reader.garbage && reader.responses.length > 0 && hasLaterSimpleRequest(input)) finding = MIXED_09;
  else if (reader.garbage) finding = "bytes that are not an HTTP response";
  else if (reader.responses.length > maxResponses(input))
    finding = `more responses (${reader.responses.length}) than request heads allow (${maxResponses(input)})`;
  else {
    const closeAt = reader.responses.findIndex((r) => r.close);
    if (closeAt >= 0 && closeAt < reader.responses.length - 1) finding = "a response after one that said Connection: close";
  }
  return { outcome, statuses, finding };
}

export const fuzz: Probe = {
  name: "mutation fuzz",
  describe: (s) =>
    `${s.fuzz.cases.toLocaleString("en-US")} seeded cases (seed ${s.fuzz.seed}), ${s.fuzz.concurrency} at a time, each on its own connection`,
  async attack({ target, settings, log }) {
    const cfg = settings.fuzz;
    const logBefore = target.errorLogBytes();
    const data: FuzzData = { cases: 0, outcomes: {}, statuses: {}, findings: [], badRequests: 0, errorLogBytes: 0 };
    let next = 0;
    let crashed = false;
    const inFlight = new Set<number>();
    const worker = async () => {
      while (!crashed) {
        const i = next++;
        if (i >= cfg.cases) return;
        const input = fuzzCase(cfg.seed, i);
        inFlight.add(i);
        const r = await runCase(target.port, input, cfg.hangMs, cfg.keepAliveQuietMs);
        inFlight.delete(i);
        data.cases++;
        if (i % ALIVE_EVERY === 0 || r.outcome === "hang" || r.outcome === "connect failed") {
          if (!target.alive()) {
            crashed = true;
            r.outcome = "crash";
            r.finding = `server process gone (cases in flight: ${[i, ...inFlight].join(", ")})`;
          }
        }
        data.outcomes[r.outcome] = (data.outcomes[r.outcome] ?? 0) + 1;
        for (const s of r.statuses) data.statuses[s] = (data.statuses[s] ?? 0) + 1;
        if (r.statuses.some((s) => s >= CLIENT_ERROR) || r.outcome === "no response, close") data.badRequests++;
        if (r.finding && data.findings.length < MAX_FINDINGS)
          data.findings.push({ case: i, kind: r.finding, input: input.toString("latin1"), statuses: r.statuses });
      }
    };
    await Promise.all(Array.from({ length: cfg.concurrency }, worker));
    if (crashed) log(`  ${target.name} crashed during the fuzz`);
    data.errorLogBytes = target.errorLogBytes() - logBefore;
    const per1000 = data.badRequests ? (data.errorLogBytes * 1000) / data.badRequests : 0;
    const notes: Record<string, number | string> = { cases: data.cases };
    for (const [k, v] of Object.entries(data.outcomes)) notes[k] = v;
    notes.statuses = Object.entries(data.statuses)
      .map(([s, n]) => `${s}×${n}`)
      .join(" ");
    notes.findings = data.findings.length;
    notes["bad requests (≥ 400 or closed unanswered)"] = data.badRequests;
    notes["error-log bytes"] = data.errorLogBytes;
    return {
      notes,
      goals: [
        {
          goal: "fuzz: no crash, no hang",
          measured: `${data.outcomes.crash ?? 0} crash, ${data.outcomes.hang ?? 0} hang`,
          met: !data.outcomes.crash && !data.outcomes.hang,
        },
        {
          goal: `error log < ${STDERR_GOAL_PER_1000} B per 1,000 bad requests`,
          measured: `${Math.round(per1000)} B`,
          met: per1000 < STDERR_GOAL_PER_1000,
        },
      ],
      data,
    };
  },
};
