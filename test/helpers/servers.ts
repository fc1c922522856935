/**
 * Servers and servlets used by the network tests, and a daemon started on port 0 that stops
 * itself when the test's `using` scope ends.
 */
import { HttpDaemon, HttpServer, HttpServlet, type HttpDaemonOptions, type HttpSession } from "../../src/index.ts";

/** A server whose servlet() is the given factory. */
export class FnServer extends HttpServer {
  constructor(private readonly make: (s: HttpSession) => HttpServlet | null) {
    super();
  }
  override servlet(s: HttpSession): HttpServlet | null {
    return this.make(s);
  }
}

/** Answers `body` with a Content-Length. */
export class TextServlet extends HttpServlet {
  constructor(
    session: HttpSession,
    private readonly body: string,
    private readonly code = 200,
  ) {
    super(session);
  }
  override processRequest(): void {
    this.sendDocument(this.code, "text/plain", this.body);
  }
}

/** A daemon on 127.0.0.1:0 with errors collected instead of printed. */
export interface TestDaemon extends AsyncDisposable {
  daemon: HttpDaemon;
  port: number;
  errors: string[];
}

/** Starts a daemon with `attach` entries; `await using` stops it at the end of the scope. */
export function startDaemon(attach: Record<string, HttpServer>, options: HttpDaemonOptions = {}): TestDaemon {
  const errors: string[] = [];
  const daemon = new HttpDaemon(0, {
    accessLog: null,
    errorLog: (m, e) => errors.push(`${m} ${e instanceof Error ? e.stack : (e ?? "")}`),
    ...options,
  });
  for (const [path, server] of Object.entries(attach)) daemon.attach(path, server);
  daemon.start();
  return {
    daemon,
    port: daemon.port(),
    errors,
    async [Symbol.asyncDispose]() {
      await daemon.stop(500);
    },
  };
}

/** A server answering every request with the servlet path as text. */
export const pathEcho = () => new FnServer((s) => new TextServlet(s, `${s.requestMethod()} ${s.requestPath()} [${s.servletPath()}]`));
