/**
 * JSON-RPC 2.0 (https://www.jsonrpc.org/specification) for the RpcGateway (SPEC §8.3).
 *
 * - Single calls, batches (answered in request order, notifications left out), notifications (a
 *   request without `id`: no reply; a body of notifications only → 204).
 * - Errors: -32700 parse error (not JSON, or not UTF-8), -32600 invalid request (not a request
 *   object, or an empty batch), -32601 method not found, -32602 invalid params (`params` neither an
 *   array nor an object), -32603 internal error (the service threw something else than a
 *   ServiceFailure). A ServiceFailure becomes `{code: error, message: description, data: {origin,
 *   details}}`. JSON-RPC errors travel with HTTP 200, except for a single call that failed on the
 *   way to its service, with the same error body: 503 when it provably did not run
 *   (SERVICE_UNAVAILABLE: safe to retry), 502 when it may have run (CALL_OUTCOME_UNKNOWN,
 *   INSTANCE_LOST: not safe to retry blindly).
 * - Parameters by position are the method's arguments; parameters by name (an object) are passed
 *   as ONE argument, the object itself (netsvc methods have no declared parameter names to match).
 * - Uint8Array and Date travel as `{"$base64": …}` and `{"$date": …}` (see values.ts).
 */
import type { Invoke, RpcAnswer, RpcCodec } from "./rpc-codec.ts";
import {
  CALL_OUTCOME_UNKNOWN,
  INSTANCE_LOST,
  INTERNAL_ERROR,
  INVALID_PARAMS,
  SERVICE_UNAVAILABLE,
  ServiceFailure,
} from "./service-failure.ts";
import { isThenable } from "./registry.ts";
import { VALUE_MAX_DEPTH } from "./limits.ts";
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

/** One request of a body: its response object (at once, or later), or null for a notification. */
function answerOne(r: unknown, invoke: Invoke): object | null | Promise<object | null> {
  if (r === null || typeof r !== "object" || Array.isArray(r))
    return errorObject(null, INVALID_REQUEST, "invalid request: not a request object");
  const req = r as JsonRpcRequest;
  const hasId = "id" in req;
  if (hasId && !isValidId(req.id)) return errorObject(null, INVALID_REQUEST, "invalid request: id must be a string, a number or null");
  const id = hasId ? (req.id as Id) : null;
  if (req.jsonrpc !== "2.0") return errorObject(id, INVALID_REQUEST, 'invalid request: jsonrpc must be "2.0"');
  if (typeof req.method !== "string") return errorObject(id, INVALID_REQUEST, "invalid request: method must be a string");
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

function batchAnswer(all: (object | null)[]): RpcAnswer {
  const replies = all.filter((x) => x !== null);
  return replies.length === 0 ? NO_CONTENT : jsonAnswer(200, replies);
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

/** The JSON-RPC 2.0 codec. */
export const jsonRpc: RpcCodec = {
  protocol: "json-rpc",
  mediaType: JSON_MEDIA_TYPE,
  accepts: (mediaType) => mediaType === JSON_MEDIA_TYPE,
  answer(body: Uint8Array, invoke: Invoke): RpcAnswer | Promise<RpcAnswer> {
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
    const all = doc.map((r) => answerOne(r, invoke));
    return all.some((x) => x instanceof Promise) ? Promise.all(all).then(batchAnswer) : batchAnswer(all as (object | null)[]);
  },
};
