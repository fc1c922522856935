/**
 * Forwarders of the session calls a servlet offers as its own (SPEC §2.3–2.4; declared, and
 * listed, in http-servlet.ts): one per name, installed on the prototype as a class method is, so
 * a subclass still overrides it and reaches it with `super`. Inlined by the JIT, a forwarder costs
 * what a hand-written one does.
 */

/** True when A and B are the same type (not merely assignable either way). */
export type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** True when method type F takes at most four arguments (sendDocument's): what a forwarder passes on. */
export type FitsForwarder<F> = F extends (...args: infer P) => unknown ? (P["length"] extends 0 | 1 | 2 | 3 | 4 ? true : false) : false;

/**
 * A forwarded method as the forwarder calls it. Declared as a method, whose parameters TypeScript
 * compares both ways, so that every session method (`(code: number) => void`, …) is one.
 */
type Forwarded = { call(a?: unknown, b?: unknown, c?: unknown, d?: unknown): unknown }["call"];

/** Whatever holds a session: the servlet. */
interface SessionHolder {
  readonly session: object;
}

/**
 * The forwarder of `name`: calls the session's method of that name with the caller's arguments.
 * A fixed parameter list (four, checked by FitsForwarder) rather than `...args`: no array per
 * call; an argument the caller left out arrives as undefined, which an optional or defaulted
 * parameter reads as left out.
 */
function forwarder(name: string): Forwarded {
  const forward = function (this: SessionHolder, a?: unknown, b?: unknown, c?: unknown, d?: unknown): unknown {
    const session = this.session as Record<string, Forwarded>;
    return session[name]!(a, b, c, d);
  };
  Object.defineProperty(forward, "name", { value: name });
  return forward;
}

/**
 * Installs a forwarder for each of `names` on `prototype`, as a class method is (writable,
 * configurable, not enumerable).
 */
export function installSessionForwards(prototype: SessionHolder, names: readonly string[]): void {
  for (const name of names) {
    Object.defineProperty(prototype, name, { value: forwarder(name), writable: true, configurable: true, enumerable: false });
  }
}
