/**
 * RpcGateway: a server object that exposes services over HTTP (SPEC §8.3, OSE's RPC gateway).
 * `daemon.attach("/service", new RpcGateway("web-services"))`: `POST /service/<name>` calls
 * service `<name>` when it belongs to the group (`""`: every service), local or remote. With
 * `endpoint: "single"` (XML-RPC's convention: one `/RPC2`) the gateway answers at its own path
 * only and calls are named `service.method` (qualified-name.ts); an unknown service is then an
 * unknown method (-32601), not a 404. XML-RPC's `system.*` methods are answered on both kinds
 * of endpoint (system-methods.ts; `system.multicall`: the codec's).
 *
 * HTTP rules, checked in this order before the body is read: a method the server does not
 * recognise → 501, another method than POST → 405 with `Allow: POST` (RFC 9110 §9.1, §15.6.2,
 * §15.5.6); no such service, or outside the group → 404; a Content-Type the protocol does not
 * take → 415; a body over `maxBody` → 413 (the daemon answers it and closes). Authentication is the usual
 * server-object `authorise(login, password)` (401). Every error body names the problem in plain
 * text and never repeats the request.
 *
 * The call is a deferred response: the servlet answers when the service replies; when the client
 * goes away first, the servlet's signal aborts the call (the service sees CALL_ABORTED). Every
 * call is made on behalf of the HTTP client: its CallContext.caller is `{ via: "http", address:
 * clientHost() (after trustProxy), user: remoteUser() (absent when none) }`, made once per
 * request and only when a method or the bus asks for it. A batch
 * (JSON-RPC) is answered member by member through sendContent()/drained() (ServletOutput): a
 * client that does not read holds up only its own batch, never more than the output high-water
 * mark of it.
 */
import { type Caller, makeCaller } from "./caller.ts";
import { RPC_MAX_BODY } from "./limits.ts";
import { isRecognisedMethod, METHOD_POST } from "../parser/index.ts";
import { HttpServer } from "../servers/http-server.ts";
import { HttpServlet } from "../servers/http-servlet.ts";
import type { HttpSession } from "../servers/http-session.ts";
import { jsonRpc } from "./json-rpc.ts";
import { DEFAULT_CALL_TIMEOUT_MS, services, type ServiceRegistry } from "./registry.ts";
import { type Invoke, isStream, type RpcAnswer, type RpcCodec } from "./rpc-codec.ts";
import { splitQualified, unknownQualifiedName } from "./qualified-name.ts";
import { SERVICE_NAME } from "./service.ts";
import { ServletOutput } from "./servlet-output.ts";
import { introspect, isIntrospection, type MethodScope } from "./system-methods.ts";
import { xmlRpc } from "./xml-rpc-codec.ts";

/** Protocols of the gateway. */
export type RpcProtocol = "json-rpc" | "xml-rpc";

/**
 * Where a gateway takes calls: "per-service", at `<path>/<service>` with the service's own method
 * names; or "single", at `<path>` itself with `service.method` names (XML-RPC's `/RPC2`).
 */
export type RpcEndpoint = "per-service" | "single";

/** Options of an RpcGateway. */
export interface RpcGatewayOptions {
  /** Default "json-rpc" (`application/json`); "xml-rpc" takes `text/xml`. */
  protocol?: RpcProtocol;
  /**
   * Default "per-service": `POST <path>/<service>`, method names as the service exports them;
   * "single": `POST <path>`, methods named `service.method` (any other path below it → 404).
   */
  endpoint?: RpcEndpoint;
  /** Largest request body (bytes) → 413 beyond. Default RPC_MAX_BODY (1 MiB). */
  maxBody?: number;
  /** Bound of each call (ms). Default DEFAULT_CALL_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Registry whose services are exposed. Default the shared `services`. */
  registry?: ServiceRegistry;
}

const TEXT = "text/plain; charset=utf-8";
const ALLOW_POST: [string, string][] = [["Allow", "POST"]];

/** The media type of a Content-Type value: lower case, parameters and spaces removed. */
export function mediaTypeOf(contentType: string): string {
  const semi = contentType.indexOf(";");
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/** A server object that answers RPC requests for the services of a group. */
export class RpcGateway extends HttpServer {
  /** The protocol's codec. */
  readonly codec: RpcCodec;
  /** See RpcGatewayOptions. */
  readonly endpoint: RpcEndpoint;
  /** See RpcGatewayOptions. */
  readonly maxBody: number;
  /** See RpcGatewayOptions. */
  readonly timeoutMs: number;
  /** See RpcGatewayOptions. */
  readonly registry: ServiceRegistry;

  constructor(
    /** Only services of this group are reachable; `""` (default) reaches every service. */
    readonly group = "",
    options: RpcGatewayOptions = {},
  ) {
    super();
    this.codec = options.protocol === "xml-rpc" ? xmlRpc : jsonRpc;
    this.endpoint = options.endpoint ?? "per-service";
    this.maxBody = options.maxBody ?? RPC_MAX_BODY;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.registry = options.registry ?? services;
  }

  override servlet(session: HttpSession): HttpServlet {
    return new RpcServlet(session, this);
  }
}

/**
 * One RPC request: checks, reads the body, calls, answers. A body of declared length is gathered
 * through processContent()/contentComplete(), so a call whose body arrived with its head and whose
 * method answers at once is answered within the daemon's read turn (pipelined responses then go
 * out in one write); other bodies (chunked) through content(), called before any await.
 */
class RpcServlet extends HttpServlet {
  private pieces: Uint8Array[] | null = null;
  private received = 0;
  private name = "";
  /** The HTTP client as the calls' caller, made when first asked for (a batch's calls share it). */
  private httpCaller: Caller | null = null;

  constructor(
    session: HttpSession,
    private readonly gateway: RpcGateway,
  ) {
    super(session);
  }

  override processRequest(): void {
    const g = this.gateway;
    const method = this.methodCode();
    if (method !== METHOD_POST) {
      // RFC 9110 §9.1: a method nobody here recognises is 501 (§15.6.2); a known one refused, 405.
      if (!isRecognisedMethod(method))
        return this.sendDocument(501, TEXT, "501 Not Implemented: unknown method; RPC calls are POST requests\n");
      return this.sendDocument(405, TEXT, "405 Method Not Allowed: RPC calls are POST requests\n", ALLOW_POST);
    }
    const name = this.servletPath();
    if (g.endpoint === "single") {
      if (name !== "") return this.sendDocument(404, TEXT, "404 Not Found: calls go to the endpoint itself, named service.method\n");
    } else if (!g.registry.isMember(name, g.group) || !SERVICE_NAME.test(name)) {
      // Membership first (a Map lookup); the name check guards the NATS subject a remote call uses.
      return this.sendDocument(404, TEXT, "404 Not Found: no such service here\n");
    }
    // The usual Content-Type is compared in place; anything else is parsed (parameters, case).
    if (!this.headerIs("content-type", g.codec.mediaType) && !g.codec.accepts(mediaTypeOf(this.contentType()))) {
      return this.sendDocument(
        415,
        TEXT,
        `415 Unsupported Media Type: ${g.codec.protocol} requests take Content-Type ${g.codec.mediaType}\n`,
      );
    }
    this.name = name;
    this.bodyLimit = g.maxBody;
    const length = this.contentLength();
    if (length > 0) {
      this.pieces = []; // gathered by processContent(); contentComplete() answers
      return;
    }
    if (length === 0) return this.answer(new Uint8Array(0));
    this.content().then(
      (body) => this.answer(body),
      () => {}, // over the limit (the daemon answers 413) or the client left: nothing to answer
    );
  }

  override processContent(chunk: Uint8Array): void {
    if (!this.pieces) return;
    this.pieces.push(chunk.slice());
    this.received += chunk.length;
  }

  override contentComplete(): void {
    const pieces = this.pieces;
    if (!pieces) return;
    this.pieces = null;
    this.answer(pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, this.received));
  }

  private answer(body: Uint8Array): void {
    const a = this.gateway.codec.answer(body, this.invoker());
    if (a instanceof Promise) a.then((x) => this.send(x));
    else if (isStream(a)) a.writeTo(new ServletOutput(this, a.status, a.contentType));
    else this.send(a);
  }

  /**
   * How the request's calls are made: to the endpoint's service, or (single endpoint) to the
   * service a `service.method` name names; the introspection methods first when the protocol has
   * them.
   */
  private invoker(): Invoke {
    const g = this.gateway;
    const signal = () => this.signal;
    const caller = () => (this.httpCaller ??= makeCaller("http", this.clientHost(), this.remoteUser()));
    let invoke: Invoke;
    if (g.endpoint === "single") {
      invoke = (method, params) => {
        const q = splitQualified(g.registry, g.group, method);
        if (!q) throw unknownQualifiedName();
        return g.registry.callFast(q.service, q.method, params, g.timeoutMs, signal, caller);
      };
    } else {
      const name = this.name;
      invoke = (method, params) => g.registry.callFast(name, method, params, g.timeoutMs, signal, caller);
    }
    if (!g.codec.systemMethods) return invoke;
    const call = invoke;
    const scope: MethodScope = { registry: g.registry, group: g.group, service: g.endpoint === "single" ? null : this.name };
    return (method, params) => (isIntrospection(method) ? introspect(method, params, scope) : call(method, params));
  }

  private send(a: RpcAnswer): void {
    if (this.isComplete()) return;
    if (a.body === null) {
      this.sendResponse(a.status);
      this.endHeaders();
    } else this.sendDocument(a.status, a.contentType, a.body);
  }
}
