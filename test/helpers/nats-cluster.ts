/**
 * A three-node NATS cluster for tests and the stress harness: three local nats-servers (Debian's
 * package) with routes between them, each on free ports picked by the server itself (port -1:
 * no race between choosing a port and binding it). The first node starts alone; each later one
 * is given the route ports of those already running (read from their logs), so every pair has an
 * explicit route and the mesh survives any one node. Ready means every node reports a route to
 * each of the others on its monitoring endpoint (/routez), not a fixed wait.
 *
 * `await using cluster = await NatsCluster.start()`; every node is killed when the scope ends.
 */
import { eventually } from "./eventually.ts";
import { NatsServer } from "./nats-server.ts";

/** Nodes of the cluster: the smallest that still has two after one is killed. */
export const CLUSTER_NODES = 3;
/** How long the routes may take to form on a loaded machine (ms). */
const MESH_LIMIT_MS = 15_000;

/** One node's configuration: monitoring and route listeners on free ports, routes to `peers`. */
function nodeConfig(peers: readonly number[]): string {
  const routes = peers.map((p) => `"nats-route://127.0.0.1:${p}"`).join(", ");
  return `http: "127.0.0.1:-1"\ncluster {\n  name: netsvc-test\n  listen: "127.0.0.1:-1"\n  routes: [${routes}]\n}\n`;
}

/** The part of a /connz answer the tests read. */
interface Connz {
  connections?: { name?: string; subscriptions_list?: string[] }[];
}

/** Three routed nats-servers. */
export class NatsCluster implements AsyncDisposable {
  private constructor(readonly nodes: readonly NatsServer[]) {}

  /** Starts the nodes one by one, each routed to those before it; resolves once the full mesh is up. */
  static async start(): Promise<NatsCluster> {
    const nodes: NatsServer[] = [];
    try {
      for (let i = 0; i < CLUSTER_NODES; i++) nodes.push(await NatsServer.start(nodeConfig(nodes.map((n) => n.routePort))));
      const cluster = new NatsCluster(nodes);
      await eventually(async () => {
        for (const n of nodes) {
          const routes = ((await n.monitor("/routez")) as { num_routes?: number }).num_routes;
          if (routes !== CLUSTER_NODES - 1) throw new Error(`node ${n.url} has ${routes} routes, not ${CLUSTER_NODES - 1}`);
        }
      }, MESH_LIMIT_MS);
      return cluster;
    } catch (e) {
      await Promise.all(nodes.map((n) => n[Symbol.asyncDispose]()));
      throw e;
    }
  }

  /** Every node's client URL, in order (for `servers: [...]`). */
  get urls(): string[] {
    return this.nodes.map((n) => n.url);
  }

  /**
   * The index of the running node that holds a client connection subscribed to `subject` (e.g.
   * `netsvc.call.stress`: the process hosting that service), from each node's /connz; -1 if none.
   */
  async nodeWithSubscriber(subject: string): Promise<number> {
    for (const [i, n] of this.nodes.entries()) {
      if (!n.running) continue;
      const connz = (await n.monitor("/connz?subs=1")) as Connz;
      if (connz.connections?.some((c) => c.subscriptions_list?.includes(subject))) return i;
    }
    return -1;
  }

  /** Kills node `i` with SIGKILL (a crash: its connections and routes drop at once) and waits for its exit. */
  kill(i: number): Promise<void> {
    return this.nodes[i]!.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.all(this.nodes.map((n) => n[Symbol.asyncDispose]()));
  }
}
