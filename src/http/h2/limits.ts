/**
 * What our HTTP/2 SETTINGS advertise by default (RFC 9113 §6.5.2), each defined once. The
 * connection may advertise others (frame-writer.ts `AdvertisedSettings`); these are the values
 * used when it does not.
 */

import { H2_MAX_HEADER_LIST } from "../../parser/limits.ts";

/** SETTINGS_MAX_CONCURRENT_STREAMS: streams a client may have open at once (§5.1.2); a new one past it is refused. */
export const H2_MAX_CONCURRENT_STREAMS = 100;
/**
 * SETTINGS_MAX_HEADER_LIST_SIZE: decoded header list size accepted (§6.5.2: names + values + 32 per
 * field) — the decoder's own limit, advertised (one value, parser/limits.ts).
 */
export const H2_MAX_HEADER_LIST_SIZE = H2_MAX_HEADER_LIST;
