/**
 * Router: a server object that answers by method and path pattern with plain functions, layered
 * on HttpServer and HttpServlet (each request still gets its own servlet; the function receives
 * it). Patterns are relative to where the router is attached:
 *
 * ```ts
 * const api = new Router();
 * api.get("/items/:id", (s, params) => s.sendJson({ id: params.id }));
 * api.post("/items", async (s) => s.sendJson(await s.json(), 201));
 * daemon.attach("/api", api);          // GET /api/items/1 → {"id":"1"}
 * ```
 *
 * `:name` matches one non-empty segment; a trailing `*` matches the rest of the path (zero or
 * more segments, stored as `params["*"]`). Static segments win over parameters, parameters over
 * `*`. A path that matches only with other methods → 405 with `Allow`, or 501 when the method is
 * neither a standard one nor any route's (RFC 9110 §9.1); no match → 404, whatever the method.
 * HEAD is served by the GET route unless a HEAD route exists. Paths are matched exactly:
 * `/items/` is not `/items`. Parameter values are percent-decoded (the request path is decoded
 * once, SPEC §5).
 */
import { latin1, METHOD_OTHER } from "../parser/index.ts";
import { HttpServer } from "./http-server.ts";
import { HttpServlet } from "./http-servlet.ts";
import { sessionInternals as internals, type HttpSession } from "./http-session.ts";
import { RouteTree, type Route } from "./route-tree.ts";

/** Path parameters of a match: `{ id: "1" }` for `/items/:id`; `*` holds a wildcard's rest. */
export type RouteParams = Record<string, string>;

/**
 * A route's function: called as the request's processRequest(), with the request's servlet and
 * the path parameters. It may answer at once, or later (return a promise, or keep the servlet);
 * a thrown or rejected HttpError answers with its status, anything else with 500.
 */
export type RouteHandler = (servlet: HttpServlet, params: RouteParams) => void | Promise<void>;

/** Shared by every static route: never written to. */
const NO_PARAMS: RouteParams = Object.freeze({}) as RouteParams;
const utf8 = new TextDecoder();
/** A parameter of a decoded (non-ASCII) path: its bytes are UTF-8. */
const decodeUtf8 = (buf: Uint8Array, start: number, end: number) => utf8.decode(buf.subarray(start, end));

/** The servlet a route runs in: processRequest() calls the route's function. */
export class RouteServlet extends HttpServlet {
  /** Created by Router.servlet() for a matched route. */
  constructor(
    session: HttpSession,
    /** The matched route. */
    readonly route: Route<RouteHandler>,
    /** The path parameters. */
    readonly params: RouteParams,
  ) {
    super(session);
  }

  override processRequest(): void | Promise<void> {
    return this.route.handler(this, this.params);
  }

  /** The methods routed at this path (the `Allow` of a sendError(405) from the handler). */
  override allowedMethods(): string {
    return this.route.allowed();
  }
}

/**
 * Answers 405 with the methods the path has; sendError makes it 501 for a method the router does
 * not recognise (recognisesMethod).
 */
class MethodNotAllowedServlet extends HttpServlet {
  constructor(
    session: HttpSession,
    private readonly allow: string,
  ) {
    super(session);
  }
  override allowedMethods(): string {
    return this.allow;
  }
  override processRequest(): void {
    this.sendError(405);
  }
}

/** A server object routing by method and path pattern to functions. */
export class Router extends HttpServer {
  private readonly tree = new RouteTree<RouteHandler>();

  /** Routes GET (and HEAD, unless a HEAD route exists) for `pattern`. Returns this. */
  get(pattern: string, handler: RouteHandler): this {
    return this.on("GET", pattern, handler);
  }
  /** Routes POST. Returns this. */
  post(pattern: string, handler: RouteHandler): this {
    return this.on("POST", pattern, handler);
  }
  /** Routes PUT. Returns this. */
  put(pattern: string, handler: RouteHandler): this {
    return this.on("PUT", pattern, handler);
  }
  /** Routes PATCH. Returns this. */
  patch(pattern: string, handler: RouteHandler): this {
    return this.on("PATCH", pattern, handler);
  }
  /** Routes DELETE. Returns this. */
  delete(pattern: string, handler: RouteHandler): this {
    return this.on("DELETE", pattern, handler);
  }

  /**
   * Routes `method` (case-sensitive, as on the wire: "GET", "PROPFIND") for `pattern`.
   * Throws a TypeError for a bad method or pattern, or when the method already has that route.
   * Returns this.
   */
  on(method: string, pattern: string, handler: RouteHandler): this {
    if (typeof handler !== "function") throw new TypeError(`Router: the handler of ${method} ${pattern} is not a function`);
    this.tree.add(method, pattern, handler);
    return this;
  }

  /**
   * Finds the route for a method and a path relative to the attach point (for tests and tools;
   * the daemon's path goes through servlet()). Returns the route's pattern and its parameters,
   * `{ allow }` when only other methods match (405), or null (404).
   */
  find(method: string, path: string): { pattern: string; params: RouteParams } | { allow: string } | null {
    const tree = this.tree;
    const route = tree.matchPath(method, path);
    if (route === null) return tree.allow === "" ? null : { allow: tree.allow };
    return { pattern: route.pattern, params: this.params(route, tree.lastPathBytes, false) };
  }

  /**
   * RFC 9110 §9.1: the router recognises the standard methods (isRecognisedMethod) and the
   * extension methods its own routes register (`on("PROPFIND", …)`), so a path that refuses
   * PROPFIND answers 405 with `Allow` while an unknown method answers 501.
   */
  override recognisesMethod(session: HttpSession): boolean {
    return super.recognisesMethod(session) || this.tree.hasExtensionMethod(session.requestMethod());
  }

  /** The servlet for the request's route, a 405 servlet (501 for a method the router does not recognise), or null (404). */
  override servlet(s: HttpSession): HttpServlet | null {
    const tree = this.tree;
    let route: Route<RouteHandler> | null;
    let buf: Uint8Array;
    let ascii: boolean;
    if (internals.isPlainPath(s)) {
      // hot path: the servlet path is matched in the head's bytes (plain: ASCII, no escapes).
      buf = internals.headBytes(s);
      ascii = true;
      const method = s.methodCode() === METHOD_OTHER ? s.requestMethod() : "";
      route = tree.match(s.methodCode(), method, buf, internals.servletPathStart(s), internals.pathEnd(s));
    } else {
      route = tree.matchPath(s.requestMethod(), s.servletPath());
      buf = tree.lastPathBytes;
      ascii = false;
    }
    if (route === null) return tree.allow === "" ? null : new MethodNotAllowedServlet(s, tree.allow);
    return new RouteServlet(s, route, this.params(route, buf, ascii));
  }

  /** The parameters of the last match, decoded from `buf`. Static routes share one empty object. */
  private params(route: Route<RouteHandler>, buf: Uint8Array, ascii: boolean): RouteParams {
    const names = route.paramNames;
    if (names.length === 0) return NO_PARAMS;
    return route.makeParams(buf, this.tree.starts, this.tree.ends, ascii ? latin1 : decodeUtf8);
  }
}
