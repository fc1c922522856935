/**
 * RouteTree: method + path patterns (`/items/:id`, `/files/*`) matched segment by segment on a
 * path's bytes (the segment lookup PrefixTrie uses too: segment-trie.ts). Static segments win over a `:param`, which wins over a trailing `*`; a branch
 * that does not end in a route for the method is backtracked, so `GET /items/new` and
 * `PUT /items/:id` both work. Matching allocates nothing: the result is the matched route and
 * the parameter spans, written into this object's fields (`route`, `starts`, `ends`).
 */
import { METHOD_GET, METHOD_HEAD, METHOD_OTHER, METHOD_TRACE, methodCodeOfName, SLASH } from "../parser/index.ts";
import { SegmentNode, segmentEnd } from "./segment-trie.ts";

const encoder = new TextEncoder();

/** One slot per numbered method (METHOD_OTHER included, unused). */
const METHOD_SLOTS = METHOD_TRACE + 1;
/** RFC 9110 §5.6.2 token, the grammar of a method name. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A `:name` parameter's name: a JavaScript identifier, so `params.name` reads naturally. */
const PARAM_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** The name under which a trailing `*` stores the rest of the path. */
export const WILDCARD_PARAM = "*";

/** Smallest static-route table (slots); it doubles to stay at most half full. */
const STATIC_TABLE_MIN = 16;
/** Highest ASCII code: a path string up to it is its own UTF-8. */
const ASCII_MAX = 0x7f;
/** Multiplier of the static-path hash (FNV's 32-bit prime: odd, well spread bits). */
const HASH_PRIME = 0x01000193;

/**
 * Hash of a path from its length and four sampled bytes (first, middle, last two): O(1), since
 * the key compare that follows reads every byte anyway. Hot path: no allocation.
 */
function hashBytes(buf: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n === 0) return 0;
  let h = Math.imul(n, HASH_PRIME) ^ buf[start]!;
  h = Math.imul(h, HASH_PRIME) ^ buf[start + (n >> 1)]!;
  h = Math.imul(h, HASH_PRIME) ^ buf[end - 1]!;
  h = Math.imul(h, HASH_PRIME) ^ buf[n > 1 ? end - 2 : start]!;
  return (h ^ (h >>> 15)) >>> 0;
}

/** The METHOD_* number of a method name (METHOD_OTHER when the parser does not number it). */
export const methodCode = methodCodeOfName;

/** One registered route: what a match returns. */
export class Route<H> {
  constructor(
    /** The method as registered (upper case as given). */
    readonly method: string,
    /** The pattern as registered. */
    readonly pattern: string,
    /** Parameter names in path order (`*` last for a wildcard); empty for a static pattern. */
    readonly paramNames: readonly string[],
    /** What the route runs. */
    readonly handler: H,
  ) {
    this.makeParams = paramsFactory(paramNames);
  }

  /**
   * Builds the params object from the spans of a match: `decode(buf, starts[i], ends[i])` for
   * each name. One object literal of a fixed shape per route (faster than adding keys one by one).
   */
  readonly makeParams: (buf: Uint8Array, starts: Int32Array, ends: Int32Array, decode: SpanDecoder) => Record<string, string>;

  /** The methods routed at this route's path, as an `Allow` value (set when the route is added). */
  allowed: () => string = () => this.method;
}

/** Turns a span of a path's bytes into a parameter value. */
export type SpanDecoder = (buf: Uint8Array, start: number, end: number) => string;

/** A function returning `{ name0: decode(buf, starts[0], ends[0]), … }` (names are validated). */
function paramsFactory(names: readonly string[]): Route<unknown>["makeParams"] {
  const fields = names.map((name, i) => `${JSON.stringify(name)}: decode(buf, starts[${i}], ends[${i}])`);
  return new Function("buf", "starts", "ends", "decode", `return { ${fields.join(", ")} };`) as Route<unknown>["makeParams"];
}

/** A node: static children (SegmentNode), a `:param` and a `*` child, the routes ending here. */
class RouteNode<H> extends SegmentNode<RouteNode<H>> {
  /** The `:param` child (one per position; the names live on the routes). */
  param: RouteNode<H> | null = null;
  /** The trailing-`*` endpoint below this node. */
  wildcard: RouteNode<H> | null = null;
  /** Routes ending here, by METHOD_* number; extension methods by name. */
  byCode: (Route<H> | null)[] = new Array(METHOD_SLOTS).fill(null);
  byName: Map<string, Route<H>> | null = null;
  /** True once any route ends here. */
  hasRoutes = false;
  /** The `Allow` value for a 405 here (rebuilt when a route is added). */
  allow = "";

  /** The route for this method; HEAD falls back to GET (RFC 9110 §9.3.2). */
  routeFor(code: number, name: string): Route<H> | null {
    if (code !== METHOD_OTHER) {
      const r = this.byCode[code]!;
      if (r !== null || code !== METHOD_HEAD) return r;
      return this.byCode[METHOD_GET]!;
    }
    return this.byName?.get(name) ?? null;
  }

  /** Adds `route`; throws a TypeError when the method already has a route here. */
  add(route: Route<H>): void {
    const code = methodCode(route.method);
    const existing = code === METHOD_OTHER ? this.byName?.get(route.method) : this.byCode[code];
    if (existing) throw new TypeError(`Router: ${route.method} ${route.pattern} is already routed (as ${existing.pattern})`);
    if (code === METHOD_OTHER) (this.byName ??= new Map()).set(route.method, route);
    else this.byCode[code] = route;
    this.hasRoutes = true;
    const methods: string[] = [];
    for (const r of this.byCode) if (r) methods.push(r.method);
    if (this.byCode[METHOD_GET] && !this.byCode[METHOD_HEAD]) methods.splice(1, 0, "HEAD");
    for (const name of this.byName?.keys() ?? []) methods.push(name);
    this.allow = methods.join(", ");
  }
}

/** Splits and checks a pattern; throws a TypeError naming it when it is not valid. */
function parsePattern(pattern: string): { segments: string[]; names: string[] } {
  const fail = (why: string): never => {
    throw new TypeError(`Router: pattern ${JSON.stringify(pattern)} ${why}`);
  };
  if (typeof pattern !== "string" || !pattern.startsWith("/")) fail('must start with "/"');
  if (/[?#\s%\\]/.test(pattern)) fail("must be a plain path (no ?, #, %, \\ or white space)");
  const segments = pattern === "/" ? [] : pattern.slice(1).split("/");
  const names: string[] = [];
  segments.forEach((segment, i) => {
    if (segment === "") fail("has an empty segment (or a trailing /)");
    if (segment === "." || segment === "..") fail("has a . or .. segment");
    if (segment === WILDCARD_PARAM) {
      if (i !== segments.length - 1) fail("has * before its last segment");
      names.push(WILDCARD_PARAM);
    } else if (segment.startsWith(":")) {
      const name = segment.slice(1);
      if (!PARAM_NAME.test(name)) fail(`has a parameter :${name} that is not an identifier`);
      if (names.includes(name)) fail(`names :${name} twice`);
      names.push(name);
    } else if (segment.includes("*") || segment.includes(":")) {
      fail("mixes text with : or * in one segment (parameters are whole segments)");
    }
  });
  return { segments, names };
}

/** Routes by method and path pattern, matched on bytes. */
export class RouteTree<H> {
  private readonly root = new RouteNode<H>();
  /** After match(): the route found, or null. */
  route: Route<H> | null = null;
  /** After a match() that found no route for the method: the Allow value of a path match, else "". */
  allow = "";
  /** After match(): parameter i spans buf[starts[i] .. ends[i]) (in the route's paramNames order). */
  starts = new Int32Array(4);
  /** See starts. */
  ends = new Int32Array(4);
  private code = 0;
  private name = "";
  private scratch = new Uint8Array(256);
  /**
   * Routes whose pattern has no parameter, by the hash of their whole path's bytes (open
   * addressing, linear probing; slot = index into staticPaths + 1, 0 = empty). A static path is
   * then one hash and one compare instead of a walk. Sized to at most half full.
   */
  private staticSlots = new Int32Array(0);
  private readonly staticPaths: Uint8Array[] = [];
  private readonly staticNodes: RouteNode<H>[] = [];
  /** Methods the parser does not number (METHOD_OTHER) that some route registers: `PROPFIND`. */
  private readonly extensionMethods = new Set<string>();

  /** Adds a route; throws a TypeError for a bad method or pattern, or a duplicate. */
  add(method: string, pattern: string, handler: H): Route<H> {
    if (typeof method !== "string" || !TOKEN.test(method))
      throw new TypeError(`Router: method ${JSON.stringify(method)} is not a method name`);
    const { segments, names } = parsePattern(pattern);
    let node = this.root;
    for (const segment of segments) {
      if (segment === WILDCARD_PARAM) node = node.wildcard ??= new RouteNode<H>();
      else if (segment.startsWith(":")) node = node.param ??= new RouteNode<H>();
      else node = node.childFor(segment, () => new RouteNode<H>());
    }
    const route = new Route(method, pattern, names, handler);
    node.add(route);
    if (methodCode(method) === METHOD_OTHER) this.extensionMethods.add(method);
    const at = node;
    route.allowed = () => at.allow;
    if (names.length === 0 && !this.staticNodes.includes(node)) this.addStatic(encoder.encode(segments.join("/")), node);
    if (names.length > this.starts.length) {
      this.starts = new Int32Array(names.length);
      this.ends = new Int32Array(names.length);
    }
    return route;
  }

  /** True when some route registers `name`, a method the parser does not number (`PROPFIND`). */
  hasExtensionMethod(name: string): boolean {
    return this.extensionMethods.has(name);
  }

  private addStatic(path: Uint8Array, node: RouteNode<H>): void {
    this.staticPaths.push(path);
    this.staticNodes.push(node);
    let size = STATIC_TABLE_MIN;
    while (size < this.staticPaths.length * 2) size *= 2;
    const slots = new Int32Array(size);
    this.staticPaths.forEach((key, i) => {
      let slot = hashBytes(key, 0, key.length) & (size - 1);
      while (slots[slot] !== 0) slot = (slot + 1) & (size - 1);
      slots[slot] = i + 1;
    });
    this.staticSlots = slots;
  }

  /** The node of a static route whose whole path is buf[start..end), or null. No allocation. */
  private findStatic(buf: Uint8Array, start: number, end: number): RouteNode<H> | null {
    const slots = this.staticSlots;
    const mask = slots.length - 1;
    if (mask < 0) return null;
    const n = end - start;
    let slot = hashBytes(buf, start, end) & mask;
    for (let i = slots[slot]!; i !== 0; slot = (slot + 1) & mask, i = slots[slot]!) {
      const key = this.staticPaths[i - 1]!;
      if (key.length !== n) continue;
      let k = 0;
      while (k < n && key[k] === buf[start + k]) k++;
      if (k === n) return this.staticNodes[i - 1]!;
    }
    return null;
  }

  /**
   * Matches the path in buf[start..end) — relative to where the router is attached, without its
   * leading `/` ("" for the attached path itself) — for a method (its METHOD_* number, and its
   * name for METHOD_OTHER). Returns the route or null; on null, `allow` says whether the path
   * matched with other methods. Hot path: no allocation.
   */
  match(code: number, name: string, buf: Uint8Array, start: number, end: number): Route<H> | null {
    this.code = code;
    this.name = name;
    this.route = null;
    this.allow = "";
    // A static route for the method wins; else walk (a parameter route may take the method).
    const fixed = this.findStatic(buf, start, end);
    if (fixed !== null && this.accept(fixed)) return this.route;
    if (start >= end) this.endAt(this.root, buf, end, 0);
    else this.walk(this.root, buf, start, end, 0);
    return this.route;
  }

  /** As match(), for a path string (with or without its leading `/`), e.g. from a benchmark. */
  matchPath(method: string, path: string): Route<H> | null {
    const from = path.charCodeAt(0) === SLASH ? 1 : 0;
    // Worst case 3 UTF-8 bytes per UTF-16 unit.
    if (this.scratch.length < path.length * 3) this.scratch = new Uint8Array(path.length * 3);
    const scratch = this.scratch;
    let n = path.length;
    // ASCII is copied code by code (encodeInto's result object would be an allocation).
    for (let i = 0; i < n; i++) {
      const c = path.charCodeAt(i);
      if (c > ASCII_MAX) {
        n = encoder.encodeInto(path, scratch).written;
        break;
      }
      scratch[i] = c;
    }
    return this.match(methodCode(method), method, scratch, from, n);
  }

  /** The buffer matchPath() matched in (param spans index into it). */
  get lastPathBytes(): Uint8Array {
    return this.scratch;
  }

  /** Tries the segment at buf[p..) and what follows below `node`; true once a route is found. */
  private walk(node: RouteNode<H>, buf: Uint8Array, p: number, end: number, k: number): boolean {
    const e = segmentEnd(buf, p, end);
    const last = e === end;
    const child = node.find(buf, p, e);
    if (child !== null && (last ? this.endAt(child, buf, end, k) : this.walk(child, buf, e + 1, end, k))) return true;
    const param = node.param;
    if (param !== null && e > p) {
      this.starts[k] = p;
      this.ends[k] = e;
      if (last ? this.endAt(param, buf, end, k + 1) : this.walk(param, buf, e + 1, end, k + 1)) return true;
    }
    const wildcard = node.wildcard;
    if (wildcard !== null) {
      this.starts[k] = p;
      this.ends[k] = end;
      return this.accept(wildcard);
    }
    return false;
  }

  /** The path ends at `node`: its route, or an empty `*` below it. */
  private endAt(node: RouteNode<H>, _buf: Uint8Array, end: number, k: number): boolean {
    if (this.accept(node)) return true;
    const wildcard = node.wildcard;
    if (wildcard === null) return false;
    this.starts[k] = end;
    this.ends[k] = end;
    return this.accept(wildcard);
  }

  private accept(node: RouteNode<H>): boolean {
    if (!node.hasRoutes) return false;
    const route = node.routeFor(this.code, this.name);
    if (route !== null) {
      this.route = route;
      return true;
    }
    if (this.allow === "") this.allow = node.allow;
    return false;
  }
}
