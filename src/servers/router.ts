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
 * once, SPEC §5). A handler's `params` are typed from its pattern: `params.id` for "/items/:id",
 * `params["*"]` for a trailing `*`; any other name is a compile error.
 *
 * Middleware (SPEC §13) runs around every handler of the router, its 404 and 405 included, in the
 * order `use()` added it (koa's and hono's onion):
 *
 * ```ts
 * api.use(async (s, next) => {
 *   s.setHeader("X-Request-Id", crypto.randomUUID()); // staged: goes out with whatever answers
 *   if (s.header("authorization") === null) throw new HttpError(401); // answers early
 *   await next(); // the next middleware, then the handler
 * });
 * ```
 *
 * `next()` resolves when the rest of the chain has settled (a handler that answers later with
 * `defer()` may still be answering); a throw inside it rejects `next()`, which a middleware may
 * catch and answer itself; one it lets through answers as a handler's throw does.
 */
import { latin1, METHOD_OTHER } from "../parser/index.ts";
import { HttpServer } from "./http-server.ts";
import { HttpServlet } from "./http-servlet.ts";
import { sessionInternals as internals, type HttpSession } from "./http-session.ts";
import { RouteTree, type Route } from "./route-tree.ts";

/** The parameter names of a pattern: each `:name` segment, and `*` for a trailing wildcard. */
type ParamNames<P extends string> = P extends `${string}:${infer Rest}`
  ? Rest extends `${infer Name}/${infer Tail}`
    ? Name | ParamNames<Tail>
    : Rest
  : P extends `${string}*`
    ? "*"
    : never;

/**
 * Path parameters of a match: `{ id: "1" }` for `/items/:id`; `*` holds a wildcard's rest. Typed
 * from the pattern when it is a literal (`RouteParams<"/items/:id">` is `{ id: string }`), a
 * string record otherwise.
 */
export type RouteParams<P extends string = string> = string extends P ? Record<string, string> : { [K in ParamNames<P>]: string };

/**
 * A route's function: called as the request's processRequest(), with the request's servlet and
 * the path parameters. It answers at once, or returns a promise that settles once it has answered,
 * or calls `servlet.defer()` to answer later; one that returns (or settles) with no response begun
 * and no defer() gets a 500, logged as unanswered (SPEC §13). A thrown or rejected HttpError
 * answers with its status, anything else with 500.
 */
export type RouteHandler<P extends string = string> = (servlet: RouteServlet, params: RouteParams<P>) => void | Promise<void>;

/** What follows a middleware: the next one, or the handler. Resolves when that has settled; rejects with its throw. */
export type Next = () => Promise<void>;

/**
 * A middleware (SPEC §13): runs around the router's handlers (see the file comment). It may answer
 * early (not calling `next`), act before and after `await next()`, and catch what `next()` throws.
 */
export type Middleware = (servlet: RouteServlet, next: Next) => void | Promise<void>;

/** A middleware as an object (the Sessions middleware): its handle() runs as a Middleware function. */
export interface MiddlewareObject {
  /** Runs as a Middleware function, with `this` the object. */
  handle(servlet: RouteServlet, next: Next): void | Promise<void>;
}

/** Shared by every static route: never written to. */
const NO_PARAMS: RouteParams = Object.freeze({}) as RouteParams;
const utf8 = new TextDecoder();
/** A parameter of a decoded (non-ASCII) path: its bytes are UTF-8. */
const decodeUtf8 = (buf: Uint8Array, start: number, end: number) => utf8.decode(buf.subarray(start, end));

/** The servlet a route runs in: processRequest() runs the router's middleware, then the route's function. */
export class RouteServlet extends HttpServlet {
  /** Made by Router.servlet() for a request: its route (null for a 404 or 405 inside middleware), parameters and middleware. */
  constructor(
    session: HttpSession,
    /** The matched route; null when the router has none for the path (a 404 or 405 inside middleware). */
    readonly route: Route<RouteHandler> | null,
    /** The path parameters. */
    readonly params: RouteParams,
    private readonly chain: readonly Middleware[],
    /** The `Allow` of a 405 when there is no route ("" for a 404). */
    private readonly allow = "",
  ) {
    super(session);
  }

  /** The matched route's pattern; "" when none matched. */
  get pattern(): string {
    return this.route?.pattern ?? "";
  }

  override processRequest(): void | Promise<void> {
    if (this.chain.length > 0) return this.runFrom(0);
    const r = this.route!.handler(this, this.params);
    if (r === undefined && !this.session.hasStarted()) internals.handlerReturned(this.session);
    return r;
  }

  /** The methods routed at this path (the `Allow` of a sendError(405) from the handler). */
  override allowedMethods(): string {
    return this.route === null ? this.allow : this.route.allowed();
  }

  /**
   * Runs middleware `i` (the handler past the last) with a next() that runs the one after it, once.
   * Not async: a level that returns no promise costs none (the shared resolved one stands in), and
   * a throw becomes the rejection a middleware's `await next()` sees.
   */
  private runFrom(i: number): Promise<void> {
    const chain = this.chain;
    let r: void | Promise<void>;
    try {
      if (i < chain.length) {
        let called = false;
        r = chain[i]!(this, () => {
          if (called) return Promise.reject(new Error("a middleware called next() twice"));
          called = true;
          return this.runFrom(i + 1);
        });
      } else if (this.route !== null) r = this.route.handler(this, this.params);
      else r = this.sendError(this.allow === "" ? 404 : 405);
    } catch (e) {
      return Promise.reject(e);
    }
    return r instanceof Promise ? r : SETTLED;
  }
}

/** The promise of a chain level that returned none. */
const SETTLED = Promise.resolve();

/**
 * Answers 405 with the methods the path has; sendError makes it 501 for a method the router does
 * not recognise (recognisesMethod). Used when the router has no middleware.
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
  private readonly chain: Middleware[] = [];

  /**
   * Adds a middleware (a function, or an object with handle()) after those already added; it runs
   * around every request the router answers, its 404 and 405 included. Throws a TypeError for
   * anything else. Returns this.
   */
  use(middleware: Middleware | MiddlewareObject): this {
    if (typeof middleware === "function") this.chain.push(middleware);
    else if (middleware !== null && typeof middleware === "object" && typeof middleware.handle === "function")
      this.chain.push(middleware.handle.bind(middleware));
    else throw new TypeError("Router.use: a middleware is a function (servlet, next) or an object with handle(servlet, next)");
    return this;
  }

  /** Routes GET (and HEAD, unless a HEAD route exists) for `pattern`. Returns this. */
  get<P extends string>(pattern: P, handler: RouteHandler<P>): this {
    return this.on("GET", pattern, handler);
  }
  /** Routes POST. Returns this. */
  post<P extends string>(pattern: P, handler: RouteHandler<P>): this {
    return this.on("POST", pattern, handler);
  }
  /** Routes PUT. Returns this. */
  put<P extends string>(pattern: P, handler: RouteHandler<P>): this {
    return this.on("PUT", pattern, handler);
  }
  /** Routes PATCH. Returns this. */
  patch<P extends string>(pattern: P, handler: RouteHandler<P>): this {
    return this.on("PATCH", pattern, handler);
  }
  /** Routes DELETE. Returns this. */
  delete<P extends string>(pattern: P, handler: RouteHandler<P>): this {
    return this.on("DELETE", pattern, handler);
  }

  /**
   * Routes `method` (case-sensitive, as on the wire: "GET", "PROPFIND") for `pattern`.
   * Throws a TypeError for a bad method or pattern, or when the method already has that route.
   * Returns this.
   */
  on<P extends string>(method: string, pattern: P, handler: RouteHandler<P>): this {
    if (typeof handler !== "function") throw new TypeError(`Router: the handler of ${method} ${pattern} is not a function`);
    // The tree holds every route's function with the params it builds from the pattern's names.
    this.tree.add(method, pattern, handler as RouteHandler);
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
    const chain = this.chain;
    if (route === null) {
      const allow = tree.allow;
      // With middleware the 404 and 405 are answered inside the chain, so middleware sees them.
      if (chain.length > 0) return new RouteServlet(s, null, NO_PARAMS, chain, allow);
      return allow === "" ? null : new MethodNotAllowedServlet(s, allow);
    }
    return new RouteServlet(s, route, this.params(route, buf, ascii), chain);
  }

  /** The parameters of the last match, decoded from `buf`. Static routes share one empty object. */
  private params(route: Route<RouteHandler>, buf: Uint8Array, ascii: boolean): RouteParams {
    const names = route.paramNames;
    if (names.length === 0) return NO_PARAMS;
    return route.makeParams(buf, this.tree.starts, this.tree.ends, ascii ? latin1 : decodeUtf8);
  }
}
