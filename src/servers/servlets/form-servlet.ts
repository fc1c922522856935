/**
 * FormServlet: parses a GET query, or a POST application/x-www-form-urlencoded or
 * multipart/form-data body, then calls handleRequest() (SPEC §2.5). Other methods → 501; POST
 * without Content-Length (and not chunked) → 400; POST with another content type → 415. In a
 * multipart body, plain fields go into fields(); file parts are handed to fileReceived() (by
 * default skipped, never buffered).
 */
import { HttpServlet } from "../http-servlet.ts";
import type { Part } from "../multipart.ts";

/** Base class of servlets that read form fields. */
export class FormServlet extends HttpServlet {
  private fieldMap = new Map<string, string[]>();

  /** Parses the fields, then calls handleRequest(). */
  override async processRequest(): Promise<void> {
    const method = this.requestMethod();
    if (method === "GET" || method === "HEAD") {
      this.parseFields(this.queryString());
    } else if (method === "POST") {
      if (this.contentLength() < 0 && !this.isChunked()) return this.sendError(400);
      const type = this.contentType().split(";")[0]!.trim().toLowerCase();
      if (type === "multipart/form-data") {
        for await (const part of this.parts()) {
          if (part.filename === undefined) this.addField(part.name, await part.text());
          else await this.fileReceived(part);
        }
      } else if (type === "application/x-www-form-urlencoded") {
        const body = await this.content();
        this.parseFields(Buffer.from(body).toString("latin1"));
      } else {
        return this.sendError(415);
      }
    } else {
      return this.sendError(501);
    }
    await this.handleRequest();
  }

  /** GET, HEAD and POST: the `Allow` of a 405 (other methods get 501, SPEC §2.5). */
  override allowedMethods(): string {
    return "GET, HEAD, POST";
  }

  /**
   * Override to keep a file part of a multipart form (read it with `for await`): called in order,
   * before handleRequest(). Default: the file is skipped.
   */
  fileReceived(_part: Part): void | Promise<void> {}

  /** Override: answer using the fields. Default: 501. */
  handleRequest(): void | Promise<void> {
    this.sendError(501);
  }

  /** True when the form has a field of that name. */
  containsField(name: string): boolean {
    return this.fieldMap.has(name);
  }

  /** The field's value; a string[] when repeated; undefined when absent. */
  field(name: string): string | string[] | undefined {
    const values = this.fieldMap.get(name);
    if (!values) return undefined;
    return values.length === 1 ? values[0] : values.slice();
  }

  /** Every field: name → value, or string[] when repeated. */
  fields(): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of this.fieldMap) out[k] = v.length === 1 ? v[0]! : v.slice();
    return out;
  }

  private parseFields(text: string): void {
    // WHATWG application/x-www-form-urlencoded: "+" is a space, escapes are UTF-8.
    for (const [k, v] of new URLSearchParams(text)) this.addField(k, v);
  }

  private addField(name: string, value: string): void {
    const values = this.fieldMap.get(name);
    if (values) values.push(value);
    else this.fieldMap.set(name, [value]);
  }
}
