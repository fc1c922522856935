/**
 * The ResponseRecorder of netsvc's testing entry (src/testing/response-recorder.ts), with the
 * recorded response parsed by the raw client's parser (which stays in test/helpers).
 */
import { ResponseRecorder as Recorder } from "../../src/testing/response-recorder.ts";
import { parseResponses, type ParsedResponse } from "./raw-client.ts";

/** A fake transport that records a request's response, and parses it. */
export class ResponseRecorder extends Recorder {
  /** The recorded response, parsed (framed by Content-Length, or by the end of the record). */
  response(): ParsedResponse {
    const [r] = parseResponses(this.text(), true);
    if (!r) throw new Error(`no response recorded: ${JSON.stringify(this.text())}`);
    return r;
  }
}
