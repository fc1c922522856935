/**
 * RemoteService: the client of an RpcGateway over HTTP, with fetch (SPEC §8.4, OSE's
 * RemoteService). `new RemoteService("http://host:8000/service/validator", { login, password,
 * protocol })`; `await v.call("sum", 2, 3)`.
 *
 * Every failure rejects with a ServiceFailure: the service's own fields as the server sent them
 * (JSON-RPC error code/message/data, or an XML-RPC fault split back into origin, description and
 * details); for an HTTP-level refusal, `error` is NO_SUCH_SERVICE (404), SERVICE_UNAVAILABLE (503,
 * or the server refused the connection: the call was not sent) or otherwise the HTTP status itself
 * (401, 413, 415 …), with the status line as description and origin "http". A connection that
 * failed once the request may have been sent is CALL_OUTCOME_UNKNOWN: the call may have run.
 */
import { jsonRpc } from "./json-rpc.ts";
import { DEFAULT_CALL_TIMEOUT_MS, abortedFailure } from "./registry.ts";
import {
  CALL_OUTCOME_UNKNOWN,
  CALL_TIMED_OUT,
  INTERNAL_ERROR,
  NO_SUCH_SERVICE,
  SERVICE_UNAVAILABLE,
  ServiceFailure,
  frameworkFailure,
} from "./service-failure.ts";
import { fromTagged, stringifyValue } from "./values.ts";
import { XML_MEDIA_TYPE, decodeResponse, encodeCall } from "./xml-rpc.ts";
import type { RpcProtocol } from "./rpc-gateway.ts";

/** Options of a RemoteService. */
export interface RemoteServiceOptions {
  /** HTTP Basic credentials (sent only when `login` is given). */
  login?: string;
  password?: string;
  /** Default "json-rpc". */
  protocol?: RpcProtocol;
  /** Bound of each call (ms). Default DEFAULT_CALL_TIMEOUT_MS. */
  timeoutMs?: number;
}

/** Origin of failures that happen at the HTTP level. */
const HTTP_ORIGIN = "http";

/** A service behind an RpcGateway. */
export class RemoteService {
  private readonly headers: Record<string, string>;
  private nextId = 0;

  constructor(
    /** The service's URL: the gateway's path plus the service name. */
    readonly url: string,
    readonly options: RemoteServiceOptions = {},
  ) {
    this.headers = { "Content-Type": options.protocol === "xml-rpc" ? XML_MEDIA_TYPE : jsonRpc.mediaType };
    if (options.login !== undefined) this.headers.Authorization = "Basic " + btoa(`${options.login}:${options.password ?? ""}`);
  }

  /** Calls `method` with `params`; resolves with its value, rejects with a ServiceFailure. */
  call(method: string, ...params: unknown[]): Promise<unknown> {
    return this.callWith(method, params);
  }

  /** call() with an array of parameters and an optional AbortSignal. */
  async callWith(method: string, params: unknown[], signal?: AbortSignal): Promise<unknown> {
    const xml = this.options.protocol === "xml-rpc";
    const body = xml
      ? encodeCall(method, params)
      : `{"jsonrpc":"2.0","method":${JSON.stringify(method)},"params":${stringifyValue(params)},"id":${++this.nextId}}`;
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.url, {
        method: "POST",
        headers: this.headers,
        body,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      text = await res.text();
    } catch (e) {
      if (timeout.aborted) throw frameworkFailure(CALL_TIMED_OUT, "call timed out");
      if (signal?.aborted) throw abortedFailure();
      const message = e instanceof Error ? e.message : "";
      if ((e as { code?: unknown })?.code === "ECONNREFUSED")
        throw frameworkFailure(SERVICE_UNAVAILABLE, "cannot reach the server", message);
      throw frameworkFailure(CALL_OUTCOME_UNKNOWN, "the connection to the server failed during the call", message);
    }
    const type = (res.headers.get("content-type") ?? "").split(";")[0]!.trim();
    if (xml && res.status === 200 && type === XML_MEDIA_TYPE) {
      try {
        return decodeResponse(text);
      } catch (e) {
        if (e instanceof ServiceFailure) throw e;
        throw new ServiceFailure(INTERNAL_ERROR, "unreadable XML-RPC response", HTTP_ORIGIN);
      }
    }
    // The gateway sends a JSON-RPC body with 200, and with 503 / 502 for a call that did not / may have run.
    if (!xml && (res.status === 200 || res.status === 503 || res.status === 502) && type === jsonRpc.mediaType) {
      let doc: { result?: unknown; error?: { code?: unknown; message?: unknown; data?: { origin?: unknown; details?: unknown } } };
      try {
        doc = JSON.parse(text);
      } catch {
        throw new ServiceFailure(INTERNAL_ERROR, "unreadable JSON-RPC response", HTTP_ORIGIN);
      }
      const err = doc.error;
      if (err)
        throw new ServiceFailure(
          Number(err.code) || INTERNAL_ERROR,
          String(err.message ?? ""),
          String(err.data?.origin ?? ""),
          String(err.data?.details ?? ""),
        );
      return fromTagged(doc.result ?? null);
    }
    const code = res.status === 404 ? NO_SUCH_SERVICE : res.status === 503 ? SERVICE_UNAVAILABLE : res.status;
    throw new ServiceFailure(code, `HTTP ${res.status} ${res.statusText}`.trim(), HTTP_ORIGIN);
  }
}
