/**
 * ServletOutput: an RpcOutput over a servlet's response, so a streamed RPC answer is written
 * through the connection's flow control like any servlet's (sendContent / drained). Text is
 * gathered up to RPC_BATCH_PIECE characters before it is handed over; an answer that ends before
 * anything was handed over goes out whole, with its Content-Length, so it can share a write with
 * other pipelined responses. Otherwise the response is chunked (HTTP/1.1, RFC 9112 §7.1) or ends
 * with the connection (HTTP/1.0).
 */
import type { HttpServlet } from "../servers/http-servlet.ts";
import { RPC_BATCH_PIECE } from "./limits.ts";
import type { RpcOutput } from "./rpc-codec.ts";

/** An RpcOutput writing a `status` response of `contentType` through `servlet`. */
export class ServletOutput implements RpcOutput {
  private pending: string[] = [];
  /** Characters in `pending`. */
  private pendingLength = 0;
  /** The status line and headers went out: the rest is content. */
  private started = false;

  constructor(
    private readonly servlet: HttpServlet,
    private readonly status: number,
    private readonly contentType: string,
  ) {}

  get closed(): boolean {
    return this.servlet.isComplete();
  }

  write(text: string): boolean {
    this.pending.push(text);
    this.pendingLength += text.length;
    return this.pendingLength < RPC_BATCH_PIECE || this.handOver();
  }

  flush(): void {
    if (this.pendingLength > 0) this.handOver();
  }

  drained(): Promise<void> {
    return this.servlet.drained();
  }

  end(): void {
    const s = this.servlet;
    if (s.isComplete()) return;
    if (this.started) {
      this.flush();
      s.endContent();
    } else if (this.pendingLength === 0) {
      s.sendResponse(204);
      s.endHeaders();
    } else s.sendDocument(this.status, this.contentType, this.take());
  }

  /** Sends what is pending; false once the connection is behind. */
  private handOver(): boolean {
    const s = this.servlet;
    if (!this.started) {
      this.started = true;
      s.sendResponse(this.status);
      s.sendHeader("Content-Type", this.contentType);
      s.endHeaders();
    }
    return s.sendContent(this.take());
  }

  private take(): string {
    const text = this.pending.length === 1 ? this.pending[0]! : this.pending.join("");
    this.pending = [];
    this.pendingLength = 0;
    return text;
  }
}
