/**
 * The summary line of expected conditions (daemon/stats.ts): what changed since the last one,
 * every counted condition included, nothing when nothing changed.
 */
import { expect, test } from "bun:test";
import { Counters } from "../../src/daemon/stats.ts";

test("the summary names what changed since the last one, the counted servlet aborts and dropped content included", () => {
  const c = new Counters();
  expect(c.summary()).toBe("");
  c.abandoned += 3;
  c.servletAborts += 2;
  c.droppedContent += 4;
  c.badRequest(400);
  expect(c.summary()).toBe("since the last summary: 3 abandoned, 2 servlet aborts, 4 responses with dropped content, 1 bad requests 400");
  expect(c.summary()).toBe("");
  c.servletAborts++;
  expect(c.summary()).toBe("since the last summary: 1 servlet aborts");
});
