/**
 * An upload servlet reading the body as it arrives with processContent(): it never holds the
 * whole body, only a running count and checksum. Raises the body limit to 1 GiB for itself.
 *   bun examples/upload.ts [port]      then: curl --data-binary @bigfile http://127.0.0.1:8000/
 */
import { Dispatcher, HttpDaemon, HttpServer, HttpServlet, type HttpSession } from "netsvc";

class UploadServlet extends HttpServlet {
  private bytes = 0;
  private sum = 0;

  override processRequest(): void {
    this.bodyLimit = 1024 * 1024 * 1024;
    if (this.requestMethod() !== "POST" && this.requestMethod() !== "PUT") return this.sendError(405);
    if (!this.hasBody()) this.finish();
  }

  override processContent(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) this.sum = (this.sum + chunk[i]!) >>> 0;
    this.bytes += chunk.length;
  }

  /** The last piece arrived (Content-Length reached, or the last chunk of a chunked body). */
  override contentComplete(): void {
    this.finish();
  }

  private finish(): void {
    const body = JSON.stringify({ bytes: this.bytes, sum: this.sum }) + "\n";
    this.sendResponse(200);
    this.sendHeader("Content-Type", "application/json");
    this.sendHeader("Content-Length", body.length);
    this.endHeaders();
    this.sendContent(body);
    this.endContent();
  }
}

class UploadServer extends HttpServer {
  override servlet(session: HttpSession): HttpServlet {
    return new UploadServlet(session);
  }
}

const dispatcher = new Dispatcher();
dispatcher.monitor("SIGINT");
const daemon = new HttpDaemon(Number(process.argv[2] ?? 8000));
daemon.attach("/", new UploadServer());
daemon.start();
console.log(`http://127.0.0.1:${daemon.port()}/`);
await dispatcher.run();
