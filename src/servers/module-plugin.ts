/**
 * ModulePlugin: `.ts` / `.js` files that `export default` a servlet class or a factory
 * `(session, absolutePath) => servlet` (SPEC §4.3). A file is loaded on first use and loaded again
 * when its modification time changes, so adding or editing a servlet file changes the application
 * with no restart. Only the plugin file itself is reloaded; modules it imports stay cached.
 *
 * Plugin files import what they need from "netsvc". Inside the compiled binary there is no
 * node_modules, so the binary provides the module itself: `ModulePlugin.provide("netsvc", ns)`
 * registers a virtual module (a Bun runtime plugin) that every plugin file then shares, with the
 * same classes as the running server.
 */
import { statSync } from "node:fs";
import { HttpServlet } from "./http-servlet.ts";
import type { HttpSession } from "./http-session.ts";

type ServletClass = new (session: HttpSession) => HttpServlet;
type ServletFactory = (session: HttpSession, absolutePath: string) => HttpServlet | null;

interface Loaded {
  mtimeMs: number;
  make: ServletFactory;
}

const provided = new Set<string>();

/** Loads servlet modules and reloads them when they change. */
export class ModulePlugin {
  private readonly loaded = new Map<string, Loaded>();

  /**
   * Makes `import … from specifier` resolve to `exports` for every module loaded afterwards
   * (plugin files included). Registered once per specifier per process.
   */
  static provide(specifier: string, exports: Record<string, unknown>): void {
    if (provided.has(specifier)) return;
    provided.add(specifier);
    Bun.plugin({
      name: `netsvc-provide-${specifier}`,
      setup(build) {
        build.module(specifier, () => ({ exports, loader: "object" }));
      },
    });
  }

  /** The servlet for `absolutePath`, from its default export. A load error throws (→ 500, logged). */
  servlet(session: HttpSession, absolutePath: string): HttpServlet | null {
    return this.load(absolutePath)(session, absolutePath);
  }

  private load(path: string): ServletFactory {
    const mtimeMs = statSync(path).mtimeMs;
    const known = this.loaded.get(path);
    if (known && known.mtimeMs === mtimeMs) return known.make;
    // Changed (or new): drop the cached module so require() evaluates the file again.
    delete require.cache[path];
    const mod = require(path) as { default?: unknown };
    const exported = mod.default;
    let make: ServletFactory;
    if (typeof exported === "function" && exported.prototype instanceof HttpServlet) {
      const Servlet = exported as ServletClass;
      make = (session) => new Servlet(session);
    } else if (typeof exported === "function") {
      make = exported as ServletFactory;
    } else {
      throw new TypeError(`${path}: export default a servlet class or a factory (session, path) => servlet`);
    }
    this.loaded.set(path, { mtimeMs, make });
    return make;
  }
}
