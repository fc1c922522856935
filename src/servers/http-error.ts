/**
 * HttpError: throw it (or reject with it) from processRequest(), a route's function or a
 * server's servlet() to answer with its status instead of 500. The answer is the framework's
 * error response for that status (JSON when the request accepts JSON, HTML otherwise, or the
 * server object's own errorPage()); like every error page it closes an HTTP/1.0 connection.
 * An HttpError is an expected outcome: it is not logged.
 */

/** Lowest and highest status an HttpError may carry (client and server errors). */
const MIN_ERROR_STATUS = 400;
const MAX_ERROR_STATUS = 599;

/** An error with an HTTP status and an optional message for the client. */
export class HttpError extends Error {
  /** The status to answer with, 400–599. */
  readonly status: number;
  /** The message as given, sent to the client (never put secrets in it); undefined when none. */
  readonly publicMessage: string | undefined;
  /** Extra response header fields, e.g. `[["Retry-After", "5"]]`. */
  readonly headers: [string, string][];

  /**
   * `status` must be an integer 400–599 (else a RangeError). `message` is sent to the client in
   * the error body (escaped for HTML); without it the body names the status only.
   */
  constructor(status: number, message?: string, options: { headers?: [string, string][]; cause?: unknown } = {}) {
    if (!Number.isInteger(status) || status < MIN_ERROR_STATUS || status > MAX_ERROR_STATUS) {
      throw new RangeError(`HttpError: status ${status} is not a client or server error (400-599)`);
    }
    super(message ?? `HTTP ${status}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "HttpError";
    this.status = status;
    this.publicMessage = message;
    this.headers = options.headers ?? [];
  }
}
