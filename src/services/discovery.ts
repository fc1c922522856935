/**
 * Discovery with the NATS micro-service protocol (`$SRV.PING`, `$SRV.INFO`, `$SRV.STATS`), through
 * the official `@nats-io/services`: every netsvc service hosted in this process is also a micro
 * service, so the standard NATS tooling (`nats micro ls`, `nats micro info calc`) lists it with its
 * methods. The Exchange creates one per connection (option `discovery`, default true).
 *
 * Mapping (the micro protocol's names are `[-\w]+`, netsvc's are dot-separated tokens):
 * - micro name = the netsvc name with `.` → `_` (two netsvc names can then meet, e.g. `a.b` and
 *   `a_b`: both answer, each with metadata `netsvc.service` = its real name);
 *   version MICRO_VERSION (netsvc services have none); metadata `netsvc.service` and
 *   `netsvc.call` (the subject of netsvc's own calls, SPEC §8.2).
 * - one endpoint per exported method whose name is a micro name (`[-\w]+`; others are left out):
 *   subject `<prefix>.micro.<service>.<method>`, queue group `<prefix>` (with `.` → `_` in the queue group only;
 *   instances share the calls), metadata `netsvc.method`. The endpoint really answers, in the micro conventions: the
 *   request is a JSON array of parameters (an object: one argument; empty: none; Uint8Array and
 *   Date tagged as values.ts says), the reply is the JSON value; a failure is answered with the
 *   headers `Nats-Service-Error-Code` (the failure's code) and `Nats-Service-Error` (its
 *   description) and the body `{"f": failure fields}`.
 *
 * netsvc's own call path (`<prefix>.call.<service>`, with acknowledgements and cancels) and its
 * membership heartbeat are unchanged: the micro protocol has neither, and a library handler would
 * add work on every call. A micro endpoint is a second door to the same method.
 *
 * The micro services follow the registry: created when a service appears here, recreated (new id)
 * when its set of methods changes (checked on every registry event and every heartbeat, as methods
 * exported after construction announce nothing), stopped when it is retired or the Exchange closes.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { Svcm, type Service as MicroService, type ServiceMsg } from "@nats-io/services";
import { BUS_CALLER } from "./caller.ts";
import { DEFAULT_CALL_TIMEOUT_MS, LOCAL_ONLY, type ServiceRegistry } from "./registry.ts";
import { INTERNAL_ERROR, INVALID_PARAMS, ServiceFailure } from "./service-failure.ts";
import { fromTagged, stringifyValue } from "./values.ts";

/** The version every netsvc micro service announces (the micro protocol requires a semver). */
export const MICRO_VERSION = "0.0.0";

/** Names the micro protocol accepts (service, endpoint and queue names). */
const MICRO_NAME = /^[-\w]+$/;

/** The micro name of netsvc service `name`. */
export function microName(name: string): string {
  return name.replaceAll(".", "_");
}

const decoder = new TextDecoder();

interface Entry {
  /** The methods it was created with, joined: a different list recreates it. */
  readonly methods: string;
  readonly service: Promise<MicroService>;
}

/** The micro services of one connection. */
export class MicroDiscovery {
  private readonly svcm: Svcm;
  private readonly entries = new Map<string, Entry>();
  private stopped = false;

  constructor(
    nc: NatsConnection,
    private readonly registry: ServiceRegistry,
    private readonly prefix: string,
    /** Where a micro service that cannot start is reported. */
    private readonly log: (message: string) => void,
  ) {
    // @nats-io/services pins an older prerelease of nats-core: the connection is the same object
    this.svcm = new Svcm(nc as unknown as ConstructorParameters<typeof Svcm>[0]);
  }

  /** Brings the micro services in line with the registry's local services and their methods. */
  sync(): void {
    if (this.stopped) return;
    const hosted = new Set<string>();
    for (const { name } of this.registry.localServices()) {
      hosted.add(name);
      const methods = this.registry.localMethods(name).filter((m) => MICRO_NAME.test(m));
      const key = methods.join("\0");
      const old = this.entries.get(name);
      if (old?.methods === key) continue;
      if (old) void this.stopOne(old);
      const service = this.start(name, methods);
      const entry = { methods: key, service };
      service.catch((e) => {
        this.log(`service ${name} cannot be a NATS micro service: ${messageOf(e)}`);
        // forgotten, so a later sync tries again
        if (this.entries.get(name) === entry) this.entries.delete(name);
      });
      this.entries.set(name, entry);
    }
    for (const [name, entry] of this.entries) {
      if (hosted.has(name)) continue;
      this.entries.delete(name);
      void this.stopOne(entry);
    }
  }

  /** Stops every micro service (they stop answering `$SRV` requests); resolves once they drained. */
  async stop(): Promise<void> {
    this.stopped = true;
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.allSettled(all.map((e) => this.stopOne(e)));
  }

  private async start(name: string, methods: string[]): Promise<MicroService> {
    const service = await this.svcm.add({
      name: microName(name),
      version: MICRO_VERSION,
      description: `netsvc service ${name}`,
      metadata: { "netsvc.service": name, "netsvc.call": `${this.prefix}.call.${name}` },
      queue: microName(this.prefix),
    });
    try {
      for (const method of methods) {
        service.addEndpoint(method, {
          subject: `${this.prefix}.micro.${name}.${method}`,
          metadata: { "netsvc.method": method },
          handler: (err, msg) => {
            if (!err) this.answer(name, method, msg);
          },
        });
      }
    } catch (e) {
      // a half-built service would keep its $SRV subscriptions with nobody able to stop it
      await service.stop().catch(() => {});
      throw e;
    }
    return service;
  }

  private async stopOne(entry: Entry): Promise<void> {
    try {
      await (await entry.service).stop();
    } catch (e) {
      this.log(`a micro service did not stop cleanly: ${messageOf(e)}`);
    }
  }

  private answer(name: string, method: string, msg: ServiceMsg): void {
    if (!msg.reply) return;
    let params: unknown[];
    try {
      const text = decoder.decode(msg.data).trim();
      const doc: unknown = text === "" ? [] : JSON.parse(text);
      if (Array.isArray(doc)) params = fromTagged(doc) as unknown[];
      else if (doc !== null && typeof doc === "object") params = [fromTagged(doc)];
      else throw new TypeError("not an array or an object");
    } catch {
      return void fail(msg, new ServiceFailure(INVALID_PARAMS, "the request is not a JSON array (or object) of parameters", "netsvc"));
    }
    Promise.try(() => this.registry.callFast(name, method, params, DEFAULT_CALL_TIMEOUT_MS, undefined, BUS_CALLER, LOCAL_ONLY)).then(
      (v) => {
        try {
          msg.respond(stringifyValue(v === undefined ? null : v));
        } catch {
          fail(msg, new ServiceFailure(INTERNAL_ERROR, "the result cannot be sent as JSON", "netsvc"));
        }
      },
      (f: ServiceFailure) => fail(msg, f),
    );
  }
}

function fail(msg: ServiceMsg, f: ServiceFailure): void {
  msg.respondError(f.error, f.description, JSON.stringify({ f: f.fields() }));
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
