/**
 * Tests that drive a real program (scripts/peers.ts lists them): `peerTest(["curl"], title, fn)`
 * runs `fn` when every program is on PATH. When one is missing the test is skipped, and its name
 * says which program and the command that installs it; with CI=true it runs and fails with that
 * message instead, so a CI machine cannot pass by lacking its peers.
 */
import { test } from "bun:test";
import { hasPeer, installCommand, PEERS, type Peer, type PeerName } from "../../scripts/peers.ts";

export type { PeerName };

/** Why a test needing `names` cannot run here ("" when it can). */
export function missingReason(names: readonly PeerName[]): string {
  const missing = names.filter((n) => !hasPeer(n));
  if (missing.length === 0) return "";
  const what = (n: PeerName) => {
    const peer: Peer = PEERS[n];
    return peer.file ? `${peer.command} with ${peer.file}` : peer.command;
  };
  return `needs ${missing.map(what).join(", ")}: ${installCommand(missing)}`;
}

/** Whether a missing program fails the test rather than skipping it. */
const MISSING_FAILS = process.env.CI === "true";

/** `test(title, fn, timeout)` when `names` are all present; skipped (or failed under CI) otherwise. */
export function peerTest(names: readonly PeerName[], title: string, fn: () => unknown, timeout?: number): void {
  const reason = missingReason(names);
  if (!reason) test(title, fn as () => void, timeout);
  else if (MISSING_FAILS) {
    test(title, () => {
      throw new Error(`${reason} (CI=true: a missing program is a failure)`);
    });
  } else {
    // Written reason for this skip: the program the test drives is not installed on this machine
    // (not a flaky or unfinished test); the title names it and the apt-get that installs it, and
    // CI=true (set by .ci/run) runs the branch above instead, so CI never passes by skipping.
    test.skip(`${title} [skipped: ${reason}]`, fn as () => void);
  }
}

/**
 * Throws the install hint when `name` is missing: for a program reached inside a helper that a
 * `peerTest` already guards (a guard that fails means the test's list is incomplete).
 */
export function requirePeer(name: PeerName): string {
  const path = Bun.which(PEERS[name].command);
  if (!path || !hasPeer(name)) throw new Error(missingReason([name]));
  return path;
}
