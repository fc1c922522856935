/**
 * JSON-RPC 2.0 (https://www.jsonrpc.org/specification) for the RpcGateway (SPEC §8.3).
 *
 * - Single calls, batches (answered in request order, notifications left out), notifications (a
 *   request without `id`: no reply; a body of notifications only → 204).
 * - Batches (issue 19): at most RPC_MAX_BATCH members, else one -32600 error with HTTP 413 and no
 *   call runs. A batch with a member that is not a valid request object is refused whole with one
 *   -32600 error naming the first such member, and no call runs: the specification's one error
 *   per invalid member would answer a 2-byte member `1,` with ~100 bytes (50x). The members of a
 *   valid batch run RPC_BATCH_CONCURRENCY at a time and their answers are written as they come,
 *   through the connection's flow control (batch-stream.ts).
 * - Errors: -32700 parse error (not JSON, or not UTF-8), -32600 invalid request (not a request
 *   object, an empty or too long batch, a batch with an invalid member), -32601 method not found,
 *   -32602 invalid params (`params` neither an array nor an object), -32603 internal error (the
 *   service threw something else than a ServiceFailure, or its result cannot be sent as JSON). A
 *   ServiceFailure becomes `{code: error, message: description, data: {origin, details}}`.
 *   JSON-RPC errors travel with HTTP 200, except for a single call that failed on the way to its
 *   service, with the same error body: 503 when it provably did not run (SERVICE_UNAVAILABLE: safe
 *   to retry), 502 when it may have run (CALL_OUTCOME_UNKNOWN, INSTANCE_LOST: not safe to retry
 *   blindly).
 * - Parameters by position are the method's arguments; parameters by name (an object) are passed
 *   as ONE argument, the object itself (netsvc methods have no declared parameter names to match).
 * - Uint8Array and Date travel as `{"$base64": …}` and `{"$date": …}` (see values.ts).
 */
import { streamBatch, type BatchFrame } from "./batch-stream.ts";
import type { Invoke, RpcAnswer, RpcCodec, RpcStream } from "./rpc-codec.ts";
import {
  CALL_OUTCOME_UNKNOWN,
  INSTANCE_LOST,
  INTERNAL_ERROR,
  INVALID_PARAMS,
  SERVICE_UNAVAILABLE,
  ServiceFailure,
} from "./service-failure.ts";
import { isThenable } from "./registry.ts";
import { RPC_MAX_BATCH, VALUE_MAX_DEPTH } from "./limits.ts";
import { fromTagged, stringifyValue } from "./values.ts";

/** JSON-RPC: the body is not JSON (or not UTF-8). */
export const PARSE_ERROR = -32700;
/** JSON-RPC: the JSON is not a valid request. */
export const INVALID_REQUEST = -32600;

/** Media type of JSON-RPC requests and responses. */
export const JSON_MEDIA_TYPE = "application/json";

interface JsonRpcRequest {
  jsonrpc?: unknown;
  method?: unknown;
  params?: unknown;
  id?: unknown;
}

type Id = string | number | null;

const utf8 = new TextDecoder("utf-8", { fatal: true });

function isValidId(id: unknown): id is Id {
  return id === null || typeof id === "string" || (typeof id === "number" && Number.isFinite(id));
}

function errorObject(id: Id, code: number, message: string, data?: unknown): object {
  return data === undefined ? { jsonrpc: "2.0", error: { code, message }, id } : { jsonrpc: "2.0", error: { code, message, data }, id };
}

function failureObject(id: Id, f: ServiceFailure): object {
  return errorObject(id, f.error, f.description, { origin: f.origin, details: f.details });
}

function outcomeObject(id: Id, e: unknown): object {
  return e instanceof ServiceFailure ? failureObject(id, e) : errorObject(id, INTERNAL_ERROR, "internal error");
}

/** Why `r` is not a valid request object (a phrase for the -32600 message), or "" when it is one. */
function invalidReason(r: unknown): string {
  if (r === null || typeof r !== "object" || Array.isArray(r)) return "not a request object";
  const req = r as JsonRpcRequest;
  if ("id" in req && !isValidId(req.id)) return "id must be a string, a number or null";
  if (req.jsonrpc !== "2.0") return 'jsonrpc must be "2.0"';
  if (typeof req.method !== "string") return "method must be a string";
  return "";
}

/** One request of a body: its response object (at once, or later), or null for a notification. */
function answerOne(r: unknown, invoke: Invoke): object | null | Promise<object | null> {
  const reason = invalidReason(r);
  if (reason === "") return answerRequest(r as JsonRpcRequest & { method: string }, invoke);
  // The id is echoed when it is a valid one; null when it cannot be told (JSON-RPC 2.0 §5).
  const id =
    r !== null && typeof r === "object" && "id" in r && isValidId((r as JsonRpcRequest).id) ? ((r as JsonRpcRequest).id as Id) : null;
  return errorObject(id, INVALID_REQUEST, `invalid request: ${reason}`);
}

/** A valid request (see invalidReason): its response object (at once, or later), or null for a notification. */
function answerRequest(req: JsonRpcRequest & { method: string }, invoke: Invoke): object | null | Promise<object | null> {
  const hasId = "id" in req;
  const id = hasId ? (req.id as Id) : null;
  let params: unknown[];
  try {
    if (req.params === undefined) params = [];
    else if (Array.isArray(req.params)) params = fromTagged(req.params) as unknown[];
    else if (req.params !== null && typeof req.params === "object") params = [fromTagged(req.params)];
    else return hasId ? errorObject(id, INVALID_PARAMS, "invalid params: params must be an array or an object") : null;
  } catch {
    return hasId ? errorObject(id, INVALID_PARAMS, `invalid params: nested deeper than ${VALUE_MAX_DEPTH} levels`) : null;
  }
  let out: unknown;
  try {
    out = invoke(req.method, params);
  } catch (e) {
    return hasId ? outcomeObject(id, e) : null;
  }
  if (isThenable(out)) {
    return Promise.resolve(out).then(
      (v) => (hasId ? { jsonrpc: "2.0", result: v === undefined ? null : v, id } : null),
      (e) => (hasId ? outcomeObject(id, e) : null),
    );
  }
  return hasId ? { jsonrpc: "2.0", result: out === undefined ? null : out, id } : null;
}

const NO_CONTENT: RpcAnswer = { status: 204, contentType: JSON_MEDIA_TYPE, body: null };

/**
 * HTTP status of a single call's response: 503 for a call that provably did not run (a client
 * or proxy may retry it), 502 for one that may have run (its outcome is unknown: a retry could
 * run it twice), 200 for everything else.
 */
function singleStatus(code: number | undefined): number {
  if (code === SERVICE_UNAVAILABLE) return 503;
  return code === CALL_OUTCOME_UNKNOWN || code === INSTANCE_LOST ? 502 : 200;
}

function singleAnswer(one: object | null): RpcAnswer {
  if (one === null) return NO_CONTENT;
  return jsonAnswer(singleStatus((one as { error?: { code: number } }).error?.code), one);
}

function jsonAnswer(status: number, v: unknown): RpcAnswer {
  try {
    return { status, contentType: JSON_MEDIA_TYPE, body: stringifyValue(v) };
  } catch {
    // A result nested too deeply (or otherwise not JSON): the call's failure, not the servlet's.
    return {
      status,
      contentType: JSON_MEDIA_TYPE,
      body: JSON.stringify(errorObject(null, INTERNAL_ERROR, "internal error: the result cannot be sent as JSON")),
    };
  }
}

/** A member's response object as text; a result that cannot be sent fails that member alone. */
function encodeMember(one: object | null): string | null {
  if (one === null) return null;
  try {
    return stringifyValue(one);
  } catch {
    const id = (one as { id: Id }).id;
    return JSON.stringify(errorObject(id, INTERNAL_ERROR, "internal error: the result cannot be sent as JSON"));
  }
}

const BATCH_FRAME: BatchFrame = { open: "[", separator: ",", close: "]" };

/** A non-empty batch: refused whole (too long, an invalid member), or streamed member by member. */
function batchAnswer(doc: unknown[], invoke: Invoke): RpcAnswer | RpcStream {
  // RFC 9110 §15.5.14: content larger than the server is willing to process → 413; checked first,
  // so even the validation below is bounded. The body says why in JSON-RPC's terms.
  if (doc.length > RPC_MAX_BATCH)
    return jsonAnswer(413, errorObject(null, INVALID_REQUEST, `invalid request: a batch holds at most ${RPC_MAX_BATCH} members`));
  for (let i = 0; i < doc.length; i++) {
    const reason = invalidReason(doc[i]);
    if (reason !== "") return jsonAnswer(200, errorObject(null, INVALID_REQUEST, `invalid request: batch[${i}]: ${reason}`));
  }
  const requests = doc as ((JsonRpcRequest & { method: string }) | null)[];
  return {
    status: 200,
    contentType: JSON_MEDIA_TYPE,
    writeTo(out) {
      const start = (i: number) => {
        const a = answerRequest(requests[i]!, invoke);
        requests[i] = null; // its params may be large: not kept until the batch ends
        return a instanceof Promise ? a.then(encodeMember) : encodeMember(a);
      };
      streamBatch(requests.length, start, out, BATCH_FRAME);
    },
  };
}

/** The JSON-RPC 2.0 codec. */
export const jsonRpc: RpcCodec = {
  protocol: "json-rpc",
  mediaType: JSON_MEDIA_TYPE,
  systemMethods: false,
  accepts: (mediaType) => mediaType === JSON_MEDIA_TYPE,
  answer(body: Uint8Array, invoke: Invoke): RpcAnswer | Promise<RpcAnswer> | RpcStream {
    let doc: unknown;
    try {
      doc = JSON.parse(utf8.decode(body));
    } catch {
      return jsonAnswer(200, errorObject(null, PARSE_ERROR, "parse error: the body is not UTF-8 JSON"));
    }
    if (!Array.isArray(doc)) {
      const one = answerOne(doc, invoke);
      return one instanceof Promise ? one.then(singleAnswer) : singleAnswer(one);
    }
    if (doc.length === 0) return jsonAnswer(200, errorObject(null, INVALID_REQUEST, "invalid request: empty batch"));
    return batchAnswer(doc, invoke);
  },
};
