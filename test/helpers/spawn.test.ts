/** The test helpers' own deadlines: a helper that waits forever would hide a hang as a test timeout. */
import { expect, test } from "bun:test";
import { spawnWithOutput } from "./spawn.ts";

test("Output.waitFor gives up at its deadline when the child stays silent", async () => {
  const { child, out } = spawnWithOutput(["sleep", "5"]);
  try {
    const t0 = Date.now();
    await expect(out.waitFor(/never/, 300)).rejects.toThrow("no /never/");
    expect(Date.now() - t0).toBeLessThan(2000); // not the child's 5 s, nor the test's timeout
  } finally {
    child.kill();
  }
});
