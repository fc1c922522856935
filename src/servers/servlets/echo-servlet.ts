/** EchoServlet: an HTML page describing the request, echoing the body (a debugging aid). */
import { HttpServlet } from "../http-servlet.ts";
import { escapeHtml } from "../html.ts";

/**
 * Describes the request (method, URL, paths, client, headers) and echoes the body, all
 * HTML-escaped. The body is gathered up to the body limit.
 */
export class EchoServlet extends HttpServlet {
  /** Gathers the body, then answers. */
  override async processRequest(): Promise<void> {
    const body = this.hasBody() ? await this.contentText() : "";
    const rows: [string, string][] = [
      ["method", this.requestMethod()],
      ["url", this.url()],
      ["protocol", this.protocolVersion()],
      ["requestPath", this.requestPath()],
      ["queryString", this.queryString()],
      ["serverPath", this.serverPath()],
      ["servletPath", this.servletPath()],
      ["serverHost", this.serverHost()],
      ["serverPort", String(this.serverPort())],
      ["clientHost", this.clientHost()],
      ["clientPort", String(this.clientPort())],
      ["remoteUser", this.remoteUser()],
      ["contentLength", String(this.contentLength())],
      ["contentType", this.contentType()],
    ];
    const headers = Object.entries(this.headers());
    const html =
      "<!DOCTYPE html>\n<html><head><title>Echo</title></head><body>\n<h1>Request</h1>\n<table>\n" +
      rows.map(([k, v]) => `<tr><th>${k}</th><td>${escapeHtml(v)}</td></tr>\n`).join("") +
      "</table>\n<h2>Headers</h2>\n<table>\n" +
      headers.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>\n`).join("") +
      `</table>\n<h2>Body</h2>\n<pre>${escapeHtml(body)}</pre>\n</body></html>\n`;
    this.sendDocument(200, "text/html; charset=utf-8", html);
  }
}
