/**
 * Reports in one process (SPEC §12, issue 23 item 2): NATS's subject and wildcard rules as a
 * table, the checks at the call (a TypeError for a bad subject, a RangeError for an oversized
 * value), delivery exactly once per matching subscriber in publish order, unsubscribing, a
 * throwing subscriber, and the counters. Across processes: reports-bus.test.ts.
 */
import { expect, test } from "bun:test";
import { LOCAL_CALLER, ServiceRegistry, type ServiceValue } from "../../src/entry/services.ts";
import { REPORT_MAX_BYTES, REPORT_SUBJECT_MAX } from "../../src/services/limits.ts";
import { checkSubject } from "../../src/services/report-subject.ts";
import { SubjectTrie } from "../../src/services/subject-trie.ts";
import { heapGrowthPerCall } from "../helpers/heap-growth.ts";

/** [pattern, subject, matches] — NATS's rules (docs.nats.io "Subject-Based Messaging"). */
const MATCHES: [string, string, boolean][] = [
  ["a", "a", true],
  ["a", "b", false],
  ["a.b", "a.b", true],
  ["a.b", "a", false],
  ["a.b", "a.b.c", false],
  ["a", "a.b", false],
  ["*", "a", true],
  ["*", "a.b", false],
  ["a.*", "a.b", true],
  ["a.*", "a", false],
  ["a.*", "a.b.c", false],
  ["*.b", "a.b", true],
  ["*.b", "a.c", false],
  ["a.*.c", "a.x.c", true],
  ["a.*.c", "a.x.d", false],
  ["*.*", "a.b", true],
  ["*.*", "a", false],
  [">", "a", true],
  [">", "a.b.c", true],
  ["a.>", "a.b", true],
  ["a.>", "a.b.c.d", true],
  ["a.>", "a", false], // `>` matches one or more tokens
  ["a.>", "b.c", false],
  ["*.>", "a.b", true],
  ["*.>", "a", false],
  ["a.*.>", "a.b.c", true],
  ["a.*.>", "a.b", false],
  ["a*", "a*", true], // a token that merely contains `*` is a literal one
  ["a*", "ab", false],
  ["rooms.lobby", "rooms.lobby", true],
  ["rooms.*", "rooms.lobby", true],
  ["rooms.>", "rooms.lobby.east", true],
  ["rooms.*", "rooms.lobby.east", false],
  ["Rooms.lobby", "rooms.lobby", false], // case matters
  ["é.ü", "é.ü", true], // UTF-8 tokens
];

test.each(MATCHES)("pattern %p, subject %p: matches %p (trie and registry agree)", (pattern, subject, matches) => {
  checkSubject(pattern, true, "t");
  checkSubject(subject, false, "t");
  const trie = new SubjectTrie<string>();
  trie.add(pattern, pattern);
  const seen: string[] = [];
  expect(trie.match(subject, (e) => seen.push(e))).toBe(matches ? 1 : 0);
  const r = new ServiceRegistry();
  const got: string[] = [];
  r.subscribeReports(pattern, (s) => got.push(s));
  r.publish(subject, 1);
  expect(got).toEqual(matches ? [subject] : []);
});

test("every pattern of the table at once: a subject gets exactly the patterns that match it, each once", () => {
  const trie = new SubjectTrie<string>();
  const patterns = [...new Set(MATCHES.map(([p]) => p))];
  for (const p of patterns) trie.add(p, p);
  for (const subject of new Set(MATCHES.map(([, s]) => s))) {
    const seen: string[] = [];
    trie.match(subject, (e) => seen.push(e));
    const expected = patterns.filter((p) => naiveMatch(p, subject));
    expect(seen.sort()).toEqual(expected.sort());
  }
  // removing every pattern leaves nothing behind
  for (const p of patterns) trie.delete(p);
  expect(trie.size).toBe(0);
  expect(trie.match("a.b", () => {})).toBe(0);
});

/** The rules written the slow way, to check the trie against (tokens compared one by one). */
function naiveMatch(pattern: string, subject: string): boolean {
  const p = pattern.split(".");
  const s = subject.split(".");
  for (let i = 0; i < p.length; i++) {
    if (p[i] === ">") return s.length > i;
    if (i >= s.length || (p[i] !== "*" && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

/** [subject, as a pattern: ok?, as a subject: ok?] */
const VALIDITY: [string, boolean, boolean][] = [
  ["a", true, true],
  ["a.b.c", true, true],
  ["", false, false],
  [".", false, false],
  ["a.", false, false],
  [".a", false, false],
  ["a..b", false, false],
  ["a b", false, false],
  ["a\tb", false, false],
  ["a\r\nb", false, false],
  ["a\u0000b", false, false],
  ["a\u007fb", false, false],
  ["*", true, false],
  ["a.*", true, false],
  [">", true, false],
  ["a.>", true, false],
  ["a.>.b", false, false], // `>` only last
  [">.a", false, false],
  ["a*", true, true],
  ["a>", true, true],
  ["x".repeat(REPORT_SUBJECT_MAX), true, true],
  ["x".repeat(REPORT_SUBJECT_MAX + 1), false, false],
];

test.each(VALIDITY)("%p: a pattern %p, a subject %p; otherwise a TypeError at the call", (s, asPattern, asSubject) => {
  const r = new ServiceRegistry();
  const sub = () => r.subscribeReports(s, () => {});
  const pub = () => r.publish(s, 1);
  if (asPattern) expect(sub).not.toThrow();
  else expect(sub).toThrow(TypeError);
  if (asSubject) expect(pub).not.toThrow();
  else expect(pub).toThrow(TypeError);
});

test("a callback that is not a function, or a subject that is not a string: TypeError", () => {
  const r = new ServiceRegistry();
  expect(() => r.subscribeReports("a", null as unknown as () => void)).toThrow(TypeError);
  expect(() => r.publish(1 as unknown as string, 1)).toThrow(TypeError);
});

test("in process: every matching subscriber gets every report once, in publish order, with the value itself and its JSON", () => {
  const r = new ServiceRegistry();
  const log: string[] = [];
  const values: unknown[] = [];
  r.subscribeReports("rooms.*", (subject, value, from, json) => {
    log.push(`star ${subject} ${json}`);
    values.push(value);
    expect(from).toBe(LOCAL_CALLER);
  });
  r.subscribeReports("rooms.>", (subject, _v, _f, json) => log.push(`rest ${subject} ${json}`));
  r.subscribeReports("rooms.lobby", (subject, _v, _f, json) => log.push(`exact ${subject} ${json}`));
  const v = { text: "hi", at: new Date(0), bytes: new Uint8Array([1, 2]) };
  r.publish("rooms.lobby", v);
  r.publish("rooms.lobby.east", 2);
  r.publish("halls.lobby", 3);
  expect(log).toEqual([
    // patterns are visited by the trie: one line each, whichever order within a report
    ...log.slice(0, 3),
    "rest rooms.lobby.east 2",
  ]);
  expect(log.slice(0, 3).sort()).toEqual(
    [
      `exact rooms.lobby {"text":"hi","at":{"$date":"1970-01-01T00:00:00.000Z"},"bytes":{"$base64":"AQI="}}`,
      `rest rooms.lobby {"text":"hi","at":{"$date":"1970-01-01T00:00:00.000Z"},"bytes":{"$base64":"AQI="}}`,
      `star rooms.lobby {"text":"hi","at":{"$date":"1970-01-01T00:00:00.000Z"},"bytes":{"$base64":"AQI="}}`,
    ].sort(),
  );
  expect(values[0]).toBe(v); // in process: the object itself, no copy
  expect(r.reportStats()).toEqual({ published: 3, delivered: 4, dropped: 0, subscriberErrors: 0 });
});

test("order within one publisher is kept, also when a subscriber publishes from its callback", () => {
  const r = new ServiceRegistry();
  const seen: string[] = [];
  r.subscribeReports("a", (_s, v) => {
    seen.push(`on-a:${v}`);
    if (v === 1) r.publish("b", 1);
  });
  r.subscribeReports(">", (s, v) => seen.push(`any:${s}${v}`));
  for (let i = 1; i <= 3; i++) r.publish("a", i);
  expect(seen.filter((x) => x.startsWith("on-a"))).toEqual(["on-a:1", "on-a:2", "on-a:3"]);
  const any = seen.filter((x) => x.startsWith("any"));
  expect(any.filter((x) => x.startsWith("any:a"))).toEqual(["any:a1", "any:a2", "any:a3"]);
  expect(any).toContain("any:b1");
});

test("two subscriptions of one pattern are two subscribers; unsubscribing one leaves the other; unsubscribe is idempotent", () => {
  const r = new ServiceRegistry();
  const got: string[] = [];
  const off1 = r.subscribeReports("x.*", () => got.push("one"));
  const off2 = r.subscribeReports("x.*", () => got.push("two"));
  r.publish("x.y", 0);
  expect(got.sort()).toEqual(["one", "two"]);
  off1();
  off1();
  got.length = 0;
  r.publish("x.y", 0);
  expect(got).toEqual(["two"]);
  off2();
  expect(r.reports.patterns()).toEqual([]);
  r.publish("x.y", 0);
  expect(got).toEqual(["two"]);
});

test("a subscriber added or removed while a report is delivered: the new one gets only later reports, the removed one no more", () => {
  const r = new ServiceRegistry();
  const got: string[] = [];
  let offB: () => void = () => {};
  r.subscribeReports("t", (_s, v) => {
    got.push(`A${v}`);
    if (v === 1) r.subscribeReports("t", (_s2, w) => got.push(`C${w}`));
    if (v === 1) offB();
  });
  offB = r.subscribeReports("t", (_s, v) => got.push(`B${v}`));
  r.publish("t", 1);
  r.publish("t", 2);
  expect(got.filter((x) => x.endsWith("1"))).toEqual(["A1"]); // B removed before its turn, C too new
  expect(got.filter((x) => x.endsWith("2")).sort()).toEqual(["A2", "C2"]);
});

test("a throwing subscriber: the others still get the report; logged once per subscription, every throw counted", () => {
  const r = new ServiceRegistry();
  const logged: string[] = [];
  r.errorLog = (m) => logged.push(m);
  const got: number[] = [];
  r.subscribeReports("s", () => {
    throw new Error("boom");
  });
  r.subscribeReports("s", (_s, v) => got.push(v as number));
  for (let i = 0; i < 5; i++) r.publish("s", i);
  expect(got).toEqual([0, 1, 2, 3, 4]);
  expect(logged.length).toBe(1);
  expect(logged[0]).toContain("reports on s threw");
  expect(r.reportStats().subscriberErrors).toBe(5);
});

test("an oversized report is refused at publish with a RangeError and reaches nobody; one just under passes", () => {
  const r = new ServiceRegistry();
  const got: number[] = [];
  r.subscribeReports("big", (_s, v) => got.push((v as string).length));
  const under = "x".repeat(REPORT_MAX_BYTES - 2); // its JSON adds two quotes
  r.publish("big", under);
  expect(() => r.publish("big", `${under}x`)).toThrow(RangeError);
  expect(() => r.publish("big", "é".repeat(REPORT_MAX_BYTES / 2))).toThrow(RangeError); // counted in bytes, not characters
  expect(got).toEqual([under.length]);
  expect(r.reportStats().published).toBe(1);
});

test("a value that cannot be encoded (a cycle, too deep) is a TypeError at publish", () => {
  const r = new ServiceRegistry();
  r.subscribeReports("v", () => {});
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  expect(() => r.publish("v", cyclic as ServiceValue)).toThrow(TypeError);
  let deep: ServiceValue = 0;
  for (let i = 0; i < 100; i++) deep = [deep];
  expect(() => r.publish("v", deep)).toThrow(TypeError);
});

test("nobody subscribed and no exchange: publish encodes nothing (a getter on the value is never read)", () => {
  const r = new ServiceRegistry();
  let read = 0;
  const value = {
    get x() {
      read++;
      return 1;
    },
  } as unknown as ServiceValue;
  r.publish("quiet.subject", value);
  r.subscribeReports("other.>", () => {});
  r.publish("quiet.subject", value); // a subscriber elsewhere in the trie: still no match, no encoding
  expect(read).toBe(0);
  expect(r.reportStats().published).toBe(2);
  r.subscribeReports("quiet.*", () => {});
  r.publish("quiet.subject", value);
  expect(read).toBeGreaterThan(0);
});

test("a caller named at publish is every local subscriber's `from`", () => {
  const r = new ServiceRegistry();
  const caller = Object.freeze({ via: "http", address: "203.0.113.7", user: "alice" } as const);
  let from: unknown;
  r.subscribeReports("c", (_s, _v, f) => {
    from = f;
  });
  r.publish("c", 1, { caller });
  expect(from).toBe(caller);
});

test("the trie holds only live patterns: 10,000 subscribe/unsubscribe cycles over many patterns leave it empty", () => {
  const r = new ServiceRegistry();
  for (let i = 0; i < 10_000; i++) {
    const off = r.subscribeReports(`p${i % 97}.*.t${i % 13}.>`, () => {});
    off();
  }
  expect(r.reports.patterns()).toEqual([]);
});

test("property: random patterns added and removed, random subjects — the trie always agrees with the rules written the slow way", () => {
  // a seeded generator: a failure replays the same case
  let seed = 0x5eed;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const token = (wild: boolean) => (wild ? ["a", "b", "c", "*", "*"] : ["a", "b", "c"])[random(wild ? 5 : 3)]!;
  const pattern = () => {
    const n = 1 + random(4);
    const ts = Array.from({ length: n }, () => token(true));
    if (random(4) === 0) ts[n - 1] = ">";
    return ts.join(".");
  };
  const subject = () => Array.from({ length: 1 + random(5) }, () => token(false)).join(".");
  const trie = new SubjectTrie<string>();
  const live = new Set<string>();
  for (let step = 0; step < 5000; step++) {
    const p = pattern();
    if (live.has(p)) {
      trie.delete(p);
      live.delete(p);
    } else {
      trie.add(p, p);
      live.add(p);
    }
    const s = subject();
    const seen: string[] = [];
    trie.match(s, (e) => seen.push(e));
    const expected = [...live].filter((x) => naiveMatch(x, s));
    expect(seen.sort()).toEqual(expected.sort());
    const collected: string[] = [];
    trie.collect(s, collected); // the publish path, with its first-token shortcut
    expect(collected.sort()).toEqual(expected.sort());
  }
  for (const p of live) trie.delete(p);
  expect(trie.size).toBe(0);
});

test("a publish nobody could receive allocates nothing (heap growth per publish, best of three rounds)", () => {
  const r = new ServiceRegistry();
  r.subscribeReports("elsewhere.>", () => {}); // a trie that is not empty, and no match
  const value = { n: 1 };
  // one 16 KiB heap block over 200,000 calls is 0.08 B: a closure or a split per publish would be 16 B or more
  expect(heapGrowthPerCall(() => r.publish("quiet", value), 200_000)).toBeLessThan(1);
});

test("a report published from inside a delivery waits until that one reached every subscriber (publish order for all)", () => {
  const r = new ServiceRegistry();
  const seenByFirst: string[] = [];
  const seenBySecond: string[] = [];
  r.subscribeReports("nested.>", (subject) => {
    seenByFirst.push(subject);
    if (subject === "nested.1") r.publish("nested.2", 2); // reacts to nested.1 with nested.2
  });
  r.subscribeReports("nested.>", (subject) => void seenBySecond.push(subject));
  r.publish("nested.1", 1);
  expect(seenByFirst).toEqual(["nested.1", "nested.2"]);
  expect(seenBySecond).toEqual(["nested.1", "nested.2"]); // before: ["nested.2", "nested.1"]
});

test("isSubject: what a bus subject must be to be delivered (checkSubject's rules, as a predicate)", async () => {
  const { isSubject } = await import("../../src/services/report-subject.ts");
  for (const good of ["a", "a.b", "rooms.lobby", "a*.b>"]) expect(isSubject(good)).toBe(true);
  for (const bad of ["", "a..b", ".a", "a.", "a b", "a\rb", "a\nid:1", "a.*", "a.>", "x".repeat(100_000)])
    expect(isSubject(bad)).toBe(false);
});
