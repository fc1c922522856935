/**
 * HTTP/2 slow readers (issue 22 item 3; SPEC §11 "zero-window stalls"): connections over TLS with
 * ALPN h2 announce an initial window of 0, ask for the 200 MB file on several streams, and never
 * send a WINDOW_UPDATE, so the server may send nothing of it; each one the server closes is
 * reopened. The server must neither hold the connections past its send timeout nor buffer the
 * files meanwhile (memory back to the baseline). nginx gets the same, with send_timeout set alike.
 */
import { SETTINGS_INITIAL_WINDOW_SIZE } from "../../../src/parser/h2/settings.ts";
import { headersFrames } from "../../../test/helpers/h2-client.ts";
import { encodeLiteralFields } from "../../../test/helpers/h2-literal-fields.ts";
import { pause } from "../clock.ts";
import { BIG_PATH } from "../fixture.ts";
import { type H2AttackConn, H2Attack } from "../h2-attack.ts";
import type { Probe } from "../probe.ts";
import { HEAD_TIMEOUT_SLACK_MS } from "../settings.ts";

/** A GET of the large file, as literal fields. */
const GET_BIG = encodeLiteralFields([
  [":method", "GET"],
  [":scheme", "https"],
  [":authority", "127.0.0.1"],
  [":path", BIG_PATH],
]);

/** What the probe saw, for the tests. */
export interface H2SlowReaderData {
  opened: number;
  closedByServer: number;
  /** Open longer than the send timeout plus HEAD_TIMEOUT_SLACK_MS when the attack ended. */
  heldPastTimeout: number;
  goaways: Record<string, number>;
}

export const h2SlowReader: Probe = {
  name: "h2 slow reader",
  target: (s) => ({ tls: true, http2: true, sendTimeoutMs: s.h2SlowReader.sendTimeoutMs }),
  describe: (s) =>
    `${s.h2SlowReader.clients} h2 connections with a window of 0 ask for ${BIG_PATH} on ${s.h2SlowReader.streams} streams each and never open it, reopened when closed, for ${s.h2SlowReader.durationMs / 1000} s (send timeout ${s.h2SlowReader.sendTimeoutMs / 1000} s)`,
  async attack({ target, settings }) {
    const cfg = settings.h2SlowReader;
    const attack = new H2Attack(target.port, {
      settings: [[SETTINGS_INITIAL_WINDOW_SIZE, 0]],
      openWindow: false,
      next(c: H2AttackConn) {
        if (c.step++ > 0) return null; // then silence: no WINDOW_UPDATE, ever
        return Buffer.concat(Array.from({ length: cfg.streams }, () => headersFrames(c.takeStreamId(), GET_BIG, true)));
      },
    });
    await attack.start(cfg.clients);
    await pause(cfg.durationMs);
    const heldPastTimeout = attack.openLongerThan(cfg.sendTimeoutMs + HEAD_TIMEOUT_SLACK_MS);
    attack.stop();
    const data: H2SlowReaderData = {
      opened: attack.opened,
      closedByServer: attack.closedByServer,
      heldPastTimeout,
      goaways: attack.goaways,
    };
    return {
      notes: attack.notes(),
      goals: [
        {
          goal: `every stalled connection closed by the send timeout (+${HEAD_TIMEOUT_SLACK_MS / 1000} s)`,
          measured: `${attack.closedByServer} closed, longest held ${Math.round(attack.longestHeldMs)} ms, ${heldPastTimeout} held past it`,
          met: heldPastTimeout === 0 && attack.closedByServer > 0,
        },
      ],
      data,
    };
  },
};
