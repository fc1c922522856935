/**
 * A file server that asks for a login: HTTP Basic authentication on the whole namespace.
 *   bun examples/file-server-auth.ts [directory] [port]
 *   curl -u admin:secret http://127.0.0.1:8000/
 * (The binary does the same with: netsvc DIR --auth admin:secret)
 */
import { Dispatcher, FileServer, HttpDaemon } from "netsvc";

class PrivateFiles extends FileServer {
  override realm = "private files";
  override authorise(login: string, password: string): boolean {
    return login === "admin" && password === (process.env.NETSVC_PASSWORD ?? "secret");
  }
}

const dispatcher = new Dispatcher();
dispatcher.monitor("SIGINT");
const daemon = new HttpDaemon(Number(process.argv[3] ?? 8000));
daemon.attach("/", new PrivateFiles(process.argv[2] ?? process.cwd()));
daemon.start();
console.log(`http://127.0.0.1:${daemon.port()}/ (login admin)`);
await dispatcher.run();
