/**
 * XML-RPC's `system.multicall` (the convention of xmlrpc-c, Python's `xmlrpc.client.MultiCall`,
 * Apache XML-RPC): one parameter, an array of `{methodName, params}` structs; the answer is an
 * array holding, for each call in order, `[result]` or a fault struct `{faultCode, faultString}`.
 *
 * Bounded and run as JSON-RPC batches are (json-rpc.ts, batch-stream.ts):
 * - at most RPC_MAX_BATCH calls, else one fault -32600 and no call runs;
 * - checked whole before any call runs: a member that is not a struct, without a non-empty
 *   string `methodName`, with `params` that are not an array, or calling `system.multicall`
 *   itself refuses the multicall with one fault -32600 naming the first such member (a fault per
 *   member would answer ~200 bytes for a `<value/>` of 8: the amplification JSON-RPC batches
 *   refuse too);
 * - RPC_BATCH_CONCURRENCY calls at a time, answers written in order as they come through the
 *   connection's flow control.
 * Refusals are faults with HTTP 200 (not JSON-RPC's 413 for a long batch): XML-RPC answers
 * faults with 200, and its clients read a fault only from a 200 (Python raises a ProtocolError
 * without the fault for any other status).
 */
import { streamBatch, type BatchFrame, type MemberAnswer } from "./batch-stream.ts";
import { INVALID_REQUEST } from "./json-rpc.ts";
import { RPC_MAX_BATCH } from "./limits.ts";
import { isThenable } from "./registry.ts";
import type { Invoke, RpcAnswer, RpcStream } from "./rpc-codec.ts";
import { INVALID_PARAMS, frameworkFailure } from "./service-failure.ts";
import { MULTICALL } from "./system-methods.ts";
import {
  XML_MEDIA_TYPE,
  encodeFault,
  encodeResponse,
  encodeValue,
  failureOfThrow,
  faultStruct,
  unencodableFailure,
  xmlAnswer,
} from "./xml-rpc.ts";

/** One checked member: what to call. Dropped (null) once started. */
interface MemberCall {
  methodName: string;
  params: unknown[];
}

/** The answer array's framing: each member's `<value>` goes inside the one result's `<data>`. */
const MULTICALL_FRAME: BatchFrame = {
  open: '<?xml version="1.0"?><methodResponse><params><param><value><array><data>',
  separator: "",
  close: "</data></array></value></param></params></methodResponse>",
};

/** A one-fault answer from the framework: the multicall is refused whole, nothing ran. */
function refusal(code: number, message: string): RpcAnswer {
  return xmlAnswer(encodeFault(frameworkFailure(code, message)));
}

/** Why member `m` cannot be called (a phrase for the fault), or "" when it can. */
function invalidReason(m: unknown): string {
  if (m === null || typeof m !== "object" || Array.isArray(m) || m instanceof Uint8Array || m instanceof Date) return "not a struct";
  const { methodName, params } = m as { methodName?: unknown; params?: unknown };
  if (typeof methodName !== "string" || methodName === "") return "methodName must be a non-empty string";
  if (params !== undefined && !Array.isArray(params)) return "params must be an array";
  if (methodName === MULTICALL) return `${MULTICALL} cannot be nested`;
  return "";
}

/** A member's fault struct as a `<value>`. */
function faultMember(e: unknown): string {
  return encodeValue(faultStruct(failureOfThrow(e))).join("");
}

/** A member's result as `<value><array><data><value>result</value></data></array></value>`; one XML-RPC cannot carry: its fault. */
function resultMember(v: unknown): string {
  try {
    return `<value><array><data>${encodeValue(v).join("")}</data></array></value>`;
  } catch (e) {
    return faultMember(unencodableFailure(e));
  }
}

/** Runs one member through `invoke`: its encoded answer, at once or later (never rejects). */
function runMember(call: MemberCall, invoke: Invoke): MemberAnswer {
  let out: unknown;
  try {
    out = invoke(call.methodName, call.params);
  } catch (e) {
    return faultMember(e);
  }
  return isThenable(out) ? Promise.resolve(out).then(resultMember, faultMember) : resultMember(out);
}

/**
 * Answers `system.multicall` with `params` (the methodCall's): a refusal fault, the empty array,
 * or the calls run through `invoke` and streamed as a batch.
 */
export function multicallAnswer(params: unknown[], invoke: Invoke): RpcAnswer | RpcStream {
  const list = params[0];
  if (params.length !== 1 || !Array.isArray(list))
    return refusal(INVALID_PARAMS, `invalid params: ${MULTICALL} takes one array of {methodName, params} structs`);
  // RPC_MAX_BATCH first, so even the checks below are bounded.
  if (list.length > RPC_MAX_BATCH) return refusal(INVALID_REQUEST, `invalid request: a multicall holds at most ${RPC_MAX_BATCH} calls`);
  if (list.length === 0) return xmlAnswer(encodeResponse([]));
  for (let i = 0; i < list.length; i++) {
    const reason = invalidReason(list[i]);
    if (reason !== "") return refusal(INVALID_REQUEST, `invalid request: multicall[${i}]: ${reason}`);
  }
  const calls: (MemberCall | null)[] = list.map((m: { methodName: string; params?: unknown[] }) => ({
    methodName: m.methodName,
    params: m.params ?? [],
  }));
  return {
    status: 200,
    contentType: XML_MEDIA_TYPE,
    writeTo(out) {
      const start = (i: number): MemberAnswer => {
        const call = calls[i]!;
        calls[i] = null; // its params may be large: not kept until the multicall ends
        return runMember(call, invoke);
      };
      streamBatch(calls.length, start, out, MULTICALL_FRAME);
    },
  };
}
