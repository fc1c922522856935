/**
 * RequestAborted: why a request's body can no longer be had — the client went away, or the body
 * was refused (too large, malformed). `content()` rejects with it. It is an expected condition:
 * a servlet that lets it propagate is not logged as failing (the daemon counts these instead).
 */
export class RequestAborted extends Error {
  /** `status` is the HTTP status the refusal produced, 0 when the client went away. */
  constructor(
    message: string,
    readonly status = 0,
  ) {
    super(message);
    this.name = "RequestAborted";
  }
}
