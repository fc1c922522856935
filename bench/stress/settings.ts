/**
 * Every count, duration and tolerance of the stress harness in one place: the full run
 * (`npm run stress`) and the CI-size run (`--quick`, also used by test/stress).
 */

/** Sizes and durations of one run. */
export interface StressSettings {
  /** The servers' connection limit (netsvc maxConnections, nginx worker_connections). */
  maxConnections: number;
  /** The normal client sends one keep-alive GET of the 13-byte file this often (ms). */
  normalIntervalMs: number;
  /** A normal request not answered within this long (ms) counts as failed. */
  normalTimeoutMs: number;
  slowloris: { sockets: number; byteEveryMs: number; durationMs: number };
  /**
   * Bytes per idle connection are measured with `atScale` connections held at once (each server
   * fresh, its limit above that); then `total` silent sockets go past the limit for `durationMs`.
   */
  idle: { atScale: number; total: number; durationMs: number };
  /**
   * `clients` keep-alive clients (more than maxConnections) each send a GET every `intervalMs`
   * for `durationMs`, while the normal client opens a new connection for each request.
   */
  lockout: { clients: number; intervalMs: number; durationMs: number };
  slowReaders: { clients: number; bytesPerSecond: number; durationMs: number };
  /** Each client writes `requestsPerWrite` pipelined GETs per write, never reading. */
  pipeline: { clients: number; requestsPerWrite: number; durationMs: number };
  polls: { clients: number };
  /** `hangMs`: no byte and no close this long after the input (and again after a FIN) → hang. */
  fuzz: { cases: number; seed: number; concurrency: number; hangMs: number; keepAliveQuietMs: number };
  soak: { durationMs: number; workers: number };
  /** Each client sends one JSON-RPC batch of about `batchBytes` and never reads (netsvc only). */
  rpcBatch: { clients: number; batchBytes: number; durationMs: number };
  /** `workers` under one master killed with SIGKILL; `exitLimitMs` for them all to exit; then `requests` after a redeploy. */
  supervisorKill: { workers: number; requests: number; exitLimitMs: number };
  /**
   * nats-kill: `clients` call a service over NATS through the gateway; its process is killed once
   * `killAfter` calls were answered; clients stop at most `afterKillLimitMs` after the kill.
   */
  natsKill: { clients: number; killAfter: number; afterKillLimitMs: number };
  /**
   * tls-stall: `sockets` connect to the TLS port and send nothing or part of a ClientHello, and
   * hold, reopened when closed, for `durationMs`; the servers' head timeout is `headTimeoutMs`.
   */
  tlsStall: { sockets: number; headTimeoutMs: number; durationMs: number };
  /** tls-garbage: `clients` write garbage (or a cleartext request) to the TLS port, again on each close. */
  tlsGarbage: { clients: number; durationMs: number };
  /** proxy-untrusted: `clients` open with a PROXY v1 header and a GET from a peer netsvc does not trust, again on each close. */
  proxyUntrusted: { clients: number; durationMs: number };
  /**
   * proxy-dribble: `sockets` from a trusted proxy send a PROXY header a byte every `byteEveryMs`,
   * reopened when closed, for `durationMs`; netsvc's head timeout is `headTimeoutMs`.
   */
  proxyDribble: { sockets: number; byteEveryMs: number; headTimeoutMs: number; durationMs: number };
  /**
   * nats-cluster-kill: `calls` through the gateway, `inFlight` at a time, to services on a
   * three-node cluster; the gateway's node is killed once `killAfter` calls were answered.
   */
  natsClusterKill: { calls: number; inFlight: number; killAfter: number };
  /**
   * The HTTP/2 floods (rapid reset, CONTINUATION, HPACK bomb, SETTINGS, PING, empty DATA, stream-id
   * exhaustion): `clients` h2 connections over TLS repeat the attack for `durationMs`.
   */
  h2Flood: { clients: number; durationMs: number };
  /**
   * h2 slow reader: `clients` connections with a window of 0 ask for the large file on `streams`
   * streams each and never open it, for `durationMs`; the servers' send timeout is `sendTimeoutMs`.
   */
  h2SlowReader: { clients: number; streams: number; sendTimeoutMs: number; durationMs: number };
  /**
   * ws-bomb: `clients` WebSockets send a permessage-deflate message inflating to `inflatedBytes`
   * (past the 1 MiB message limit) and as many plain frames announcing more than it, each reopened
   * when closed, for `durationMs` (netsvc only: nginx does not terminate WebSockets).
   */
  wsBomb: { clients: number; inflatedBytes: number; durationMs: number };
  /**
   * ws-slow-reader: `clients` WebSockets to an application that sends without looking at send()'s
   * answer, never reading, reopened when closed, for `durationMs`; netsvc's send timeout is `sendTimeoutMs`.
   */
  wsSlowReader: { clients: number; sendTimeoutMs: number; durationMs: number };
  /**
   * ws-slow-subscriber: `clients` WebSockets subscribed to reports never read, beside `readers`
   * that do, while `perRequest` reports (about 1 KB each) are published per request, one request
   * after another, for `durationMs`; netsvc's send timeout is `sendTimeoutMs`.
   */
  wsSlowSubscriber: { clients: number; readers: number; perRequest: number; sendTimeoutMs: number; durationMs: number };
  /**
   * ws-idle-flood: bytes per idle WebSocket against idle HTTP/1.1 keep-alive connections and a bare
   * Bun.listen's sockets, `sockets` of each on a fresh server; then `sockets` idle WebSockets held
   * on the probe's target for `durationMs`.
   */
  wsIdle: { sockets: number; durationMs: number };
  /**
   * ws-fragment-flood: `clients` WebSockets each send a text message in `fragments` one-byte
   * fragments again and again (the next once the echo is back), and `pingClients` send Pings as
   * fast as the socket takes them, reopened when closed, for `durationMs`.
   */
  wsFragmentFlood: { clients: number; fragments: number; pingClients: number; durationMs: number };
  /** After an attack, how long (ms) fds may take to come back. */
  recoveryLimitMs: number;
  /** Then how long (ms) RSS may take to come back before "after" is read. */
  rssRecoveryLimitMs: number;
}

/** The full run. */
export const FULL: StressSettings = {
  maxConnections: 1024,
  normalIntervalMs: 20,
  normalTimeoutMs: 5000,
  slowloris: { sockets: 1000, byteEveryMs: 3000, durationMs: 30_000 },
  idle: { atScale: 10_000, total: 1500, durationMs: 15_000 },
  lockout: { clients: 1100, intervalMs: 1500, durationMs: 15_000 },
  slowReaders: { clients: 20, bytesPerSecond: 64 * 1024, durationMs: 20_000 },
  pipeline: { clients: 20, requestsPerWrite: 512, durationMs: 10_000 },
  polls: { clients: 1100 },
  fuzz: { cases: 20_000, seed: 9, concurrency: 48, hangMs: 2000, keepAliveQuietMs: 250 },
  soak: { durationMs: 300_000, workers: 16 },
  rpcBatch: { clients: 20, batchBytes: 1_000_000, durationMs: 10_000 },
  supervisorKill: { workers: 2, requests: 20, exitLimitMs: 10_000 },
  natsKill: { clients: 32, killAfter: 20_000, afterKillLimitMs: 10_000 },
  tlsStall: { sockets: 1000, headTimeoutMs: 10_000, durationMs: 15_000 },
  tlsGarbage: { clients: 32, durationMs: 10_000 },
  proxyUntrusted: { clients: 32, durationMs: 10_000 },
  proxyDribble: { sockets: 1000, byteEveryMs: 1000, headTimeoutMs: 10_000, durationMs: 15_000 },
  natsClusterKill: { calls: 60_000, inFlight: 32, killAfter: 20_000 },
  h2Flood: { clients: 16, durationMs: 10_000 },
  h2SlowReader: { clients: 200, streams: 10, sendTimeoutMs: 5000, durationMs: 15_000 },
  wsBomb: { clients: 16, inflatedBytes: 64 * 1024 * 1024, durationMs: 10_000 },
  wsSlowReader: { clients: 200, sendTimeoutMs: 5000, durationMs: 15_000 },
  wsSlowSubscriber: { clients: 200, readers: 4, perRequest: 100, sendTimeoutMs: 5000, durationMs: 15_000 },
  wsIdle: { sockets: 5000, durationMs: 10_000 },
  wsFragmentFlood: { clients: 16, fragments: 5000, pingClients: 4, durationMs: 10_000 },
  recoveryLimitMs: 15_000,
  rssRecoveryLimitMs: 15_000,
};

/** The CI-size run: the same probes, seconds each, a few thousand fuzz cases. */
export const QUICK: StressSettings = {
  maxConnections: 1024,
  normalIntervalMs: 20,
  normalTimeoutMs: 5000,
  slowloris: { sockets: 1000, byteEveryMs: 1000, durationMs: 3000 },
  idle: { atScale: 2000, total: 1500, durationMs: 2000 },
  lockout: { clients: 1100, intervalMs: 1500, durationMs: 3000 },
  slowReaders: { clients: 20, bytesPerSecond: 64 * 1024, durationMs: 3000 },
  pipeline: { clients: 10, requestsPerWrite: 512, durationMs: 2000 },
  polls: { clients: 1100 },
  fuzz: { cases: 3000, seed: 9, concurrency: 48, hangMs: 2000, keepAliveQuietMs: 250 },
  soak: { durationMs: 10_000, workers: 8 },
  rpcBatch: { clients: 20, batchBytes: 1_000_000, durationMs: 3000 },
  supervisorKill: { workers: 2, requests: 20, exitLimitMs: 5000 },
  natsKill: { clients: 8, killAfter: 300, afterKillLimitMs: 10_000 },
  // Head timeouts of a second, so a held socket is closed (and reopened) within a quick probe.
  tlsStall: { sockets: 500, headTimeoutMs: 1000, durationMs: 2500 },
  tlsGarbage: { clients: 16, durationMs: 2000 },
  proxyUntrusted: { clients: 16, durationMs: 2000 },
  proxyDribble: { sockets: 500, byteEveryMs: 100, headTimeoutMs: 1000, durationMs: 2500 },
  natsClusterKill: { calls: 1500, inFlight: 8, killAfter: 500 },
  // A second or two each: a flood is answered within its first milliseconds.
  h2Flood: { clients: 4, durationMs: 1500 },
  h2SlowReader: { clients: 20, streams: 4, sendTimeoutMs: 1000, durationMs: 2500 },
  wsBomb: { clients: 4, inflatedBytes: 64 * 1024 * 1024, durationMs: 2000 },
  wsSlowReader: { clients: 20, sendTimeoutMs: 1000, durationMs: 2500 },
  wsSlowSubscriber: { clients: 20, readers: 2, perRequest: 100, sendTimeoutMs: 1000, durationMs: 2500 },
  // Within the quick run's open-file check (FDS_NEEDED); the full run holds 5,000.
  wsIdle: { sockets: 2000, durationMs: 2000 },
  wsFragmentFlood: { clients: 4, fragments: 5000, pingClients: 2, durationMs: 2000 },
  // As in the full run: a connection a vanished client left behind is bounded by the server's own
  // timeouts (head 10 s, linger 2 s), so fds get that long to come back.
  recoveryLimitMs: 15_000,
  rssRecoveryLimitMs: 5000,
};

/** fds are back when at most this many above the baseline (the runtime may keep a spare or two). */
export const FD_TOLERANCE = 2;
/**
 * RSS is back when at most this fraction, or RSS_SLACK_MIB, above the baseline (whichever is
 * more): a garbage-collected heap and the allocator keep some pages after a burst.
 */
export const RSS_TOLERANCE = 0.25;
/** See RSS_TOLERANCE (MiB). */
export const RSS_SLACK_MIB = 8;
/** Goal: a normal request answered within this long (ms) at the 99th percentile, none failed. */
export const NORMAL_LATENCY_GOAL_MS = 100;
/** Goal: no abandoned servlet outlives its client by more than this (ms). */
export const ABANDON_GOAL_MS = 1000;
/** Goal: bytes of the server's RSS per idle keep-alive connection, `idle.atScale` of them held. */
export const IDLE_BYTES_GOAL = 2048;
/**
 * The idle goal is judged with this many connections held or more: over a few thousand, heap
 * growth steps and the garbage of their one request each swamp the figure (2,000 keep-alive
 * connections read 2.3 KB each for a bare Bun.listen server, which holds 1.0 KB at 10,000).
 */
export const IDLE_BYTES_SCALE = 10_000;
/** Goal of the keep-alive lockout: this share of the normal client's requests answered within NORMAL_LATENCY_GOAL_MS. */
export const NORMAL_SHARE_GOAL = 0.99;
/** Goal: no RPC response body larger than this many times its request body (issue 19). */
export const RPC_AMPLIFICATION_GOAL = 4;
/**
 * Goal of the TLS and PROXY phase probes: no attack connection outlives the head timeout by more
 * than this (ms): the servers check their deadlines on a coarse tick (netsvc: a quarter of its
 * shortest timeout) and close gracefully (netsvc lingers up to 2 s for the client's FIN).
 */
export const HEAD_TIMEOUT_SLACK_MS = 3000;
/** Goal (issue 23): bytes of the server's RSS per idle WebSocket beyond what its socket costs (a bare Bun.listen's). */
export const WS_IDLE_BYTES_GOAL = 4096;
/** Goal: stderr bytes per 1,000 bad requests. */
export const STDERR_GOAL_PER_1000 = 1024;
