/** Reads netsvc-target's /stats (null from other servers, or when the server refuses). */

/** What /stats answers (see netsvc-target.ts). */
export interface TargetStats {
  stats: {
    accepted: number;
    open: number;
    refused: number;
    reclaimed: number;
    requests: number;
    badRequests: Record<string, number>;
    abandoned: number;
    timeouts: number;
    servletErrors: number;
    socketErrors: number;
    tlsFailures: number;
    /** HTTP/2 connections ended with GOAWAY ENHANCE_YOUR_CALM (absent before HTTP/2). */
    http2Floods?: number;
    /** WebSocket counters (absent before WebSocket): upgraded, closed for the client's error (1002/1007/1009), for a backlog past its limit (1008), for a ping flood (1008). */
    websockets?: number;
    websocketErrors?: number;
    websocketOverflows?: number;
    websocketFloods?: number;
  };
  polls: { started: number; destroyed: number; signalled: number };
  destroyedAt?: [string, number][];
}

/** How long a /stats request may take (ms). */
const STATS_TIMEOUT_MS = 5000;

/** GET /stats (with `query`; over HTTPS when `tls`), or null if it failed or was refused. */
export async function readStats(port: number, query = "", tls = false): Promise<TargetStats | null> {
  try {
    const res = await fetch(`${tls ? "https" : "http"}://127.0.0.1:${port}/stats${query ? "?" + query : ""}`, {
      tls: { rejectUnauthorized: false },
      signal: AbortSignal.timeout(STATS_TIMEOUT_MS),
      keepalive: false,
      headers: { connection: "close" },
    });
    if (res.status !== 200) return null;
    return (await res.json()) as TargetStats;
  } catch {
    return null;
  }
}

/** Sum of the bad-request counters. */
export function badRequestTotal(s: TargetStats | null): number {
  if (!s) return 0;
  return Object.values(s.stats.badRequests).reduce((a, b) => a + b, 0);
}
