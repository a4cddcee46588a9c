/**
 * What would run inside a real cluster and cannot here (no containers): small loops, run by the
 * supervisor, that do the part of a controller's work that the API and the program observe.
 *
 * - `CiliumOperatorSim`: when the chart's `cilium-operator` Deployment exists in kube-system,
 *   registers Cilium's CRDs, and the MCS-API CRDs when cilium-config asks the operator to
 *   (crds.ts says where each rule comes from). The CRDs stay when Cilium is uninstalled, as the
 *   real operator's do (Helm does not own them).
 * - `LbIpamSim`: Cilium's LB-IPAM (operator/pkg/lbipam): gives each Service of type
 *   LoadBalancer an address from a CiliumLoadBalancerIPPool whose `serviceSelector` matches,
 *   honouring `lbipam.cilium.io/ips` and `spec.loadBalancerIP` requests, while the operator
 *   runs and cilium-config's `enable-lb-ipam` is not "false". No pool, no address, as upstream:
 *   the Service stays pending.
 * The pods themselves are kwok's: it marks them Running/Ready (and Job pods Succeeded).
 */
import { parseAddress, parseCidr, type CidrRange } from "../../../lib/cidr";
import { ciliumCollectionPath, ciliumCrds, mcsApiCrds } from "./crds";
import { KubeError, type KubeClient, type KubeObject } from "./kube-client";

/** What a simulator loop step does; each is idempotent and run again every interval. */
export interface Simulator {
    readonly name: string;
    step(): Promise<void>;
}

/** Creates each CRD that does not exist yet; returns how many it created. */
export async function registerCrds(client: KubeClient, crds: KubeObject[]): Promise<number> {
    let created = 0;
    for (const crd of crds) {
        if (await client.createIfAbsent(crd)) {
            created++;
        }
    }
    return created;
}

async function ciliumConfig(client: KubeClient): Promise<Record<string, string> | undefined> {
    const cm = await client.getOrUndefined("/api/v1/namespaces/kube-system/configmaps/cilium-config");
    return cm?.data;
}

async function operatorPresent(client: KubeClient): Promise<boolean> {
    return (await client.getOrUndefined("/apis/apps/v1/namespaces/kube-system/deployments/cilium-operator")) !== undefined;
}

export class CiliumOperatorSim implements Simulator {
    readonly name = "cilium-operator";
    private ciliumDone = false;
    private mcsDone = false;

    constructor(
        private readonly client: KubeClient,
        private readonly log: (line: string) => void,
    ) {}

    async step(): Promise<void> {
        if ((this.ciliumDone && this.mcsDone) || !(await operatorPresent(this.client))) {
            return;
        }
        if (!this.ciliumDone) {
            const n = await registerCrds(this.client, ciliumCrds());
            this.ciliumDone = true;
            this.log(`cilium-operator appeared: ${n} Cilium CRDs registered`);
        }
        const config = await ciliumConfig(this.client);
        if (config?.["clustermesh-enable-mcs-api"] === "true" && config["clustermesh-mcs-api-install-crds"] === "true") {
            const n = await registerCrds(this.client, mcsApiCrds());
            this.mcsDone = true;
            this.log(`cilium-config asks for MCS-API CRDs: ${n} registered`);
        }
    }
}

/** A label selector's match against a set of labels (matchLabels and the four matchExpressions operators). */
export function selectorMatches(selector: { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> } | undefined, labels: Record<string, string>): boolean {
    if (!selector) {
        return true;
    }
    for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
        if (labels[k] !== v) {
            return false;
        }
    }
    for (const e of selector.matchExpressions ?? []) {
        const has = Object.prototype.hasOwnProperty.call(labels, e.key);
        const ok =
            e.operator === "In" ? has && (e.values ?? []).includes(labels[e.key]) :
            e.operator === "NotIn" ? !has || !(e.values ?? []).includes(labels[e.key]) :
            e.operator === "Exists" ? has :
            e.operator === "DoesNotExist" ? !has : false;
        if (!ok) {
            return false;
        }
    }
    return true;
}

interface PoolBlock {
    readonly first: bigint;
    readonly last: bigint;
    readonly range: CidrRange;
}

/** A pool's IPv4 blocks (`spec.blocks`; `spec.cidrs` before Cilium 1.15), each a `cidr` or a `start`/`stop` range. */
export function poolBlocks(spec: Record<string, unknown>): PoolBlock[] {
    const raw = (spec.blocks ?? spec.cidrs ?? []) as Array<{ cidr?: string; start?: string; stop?: string }>;
    const out: PoolBlock[] = [];
    for (const b of raw) {
        if (b.cidr) {
            const range = parseCidr(b.cidr);
            if (range && range.family === "ipv4") {
                // Cilium skips the network and broadcast addresses unless allowFirstLastIPs (default "No" for /0-/30 blocks).
                const skip = spec.allowFirstLastIPs === "Yes" || range.prefix >= 31 ? 0n : 1n;
                out.push({ first: range.first + skip, last: range.last - skip, range });
            }
        } else if (b.start) {
            const start = parseAddress(b.start);
            const stop = parseAddress(b.stop ?? b.start);
            if (start && stop && start.family === "ipv4") {
                out.push({ first: start.first, last: stop.first, range: start });
            }
        }
    }
    return out;
}

function ipv4(value: bigint): string {
    return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join(".");
}

/** The LoadBalancer classes Cilium's LB-IPAM serves (unset, or Cilium's own). */
const CILIUM_LB_CLASSES = new Set([undefined, "io.cilium/bgp-control-plane", "io.cilium/l2-announcer", "io.cilium/node"]);

export class LbIpamSim implements Simulator {
    readonly name = "lb-ipam";

    constructor(
        private readonly client: KubeClient,
        private readonly log: (line: string) => void,
    ) {}

    private async pools(): Promise<KubeObject[]> {
        for (const version of ["v2", "v2alpha1"] as const) {
            try {
                return await this.client.list(ciliumCollectionPath("CiliumLoadBalancerIPPool", version));
            } catch (e) {
                if (!(e instanceof KubeError && e.status === 404)) {
                    throw e;
                }
            }
        }
        return [];
    }

    async step(): Promise<void> {
        if (!(await operatorPresent(this.client))) {
            return;
        }
        const config = await ciliumConfig(this.client);
        if (config?.["enable-lb-ipam"] === "false") {
            return;
        }
        const services = (await this.client.list<KubeObject>("/api/v1/services")).filter((s) => s.spec?.type === "LoadBalancer");
        const pending = services.filter((s) => !((s.status?.loadBalancer as { ingress?: unknown[] } | undefined)?.ingress?.length) && CILIUM_LB_CLASSES.has(s.spec?.loadBalancerClass as string | undefined));
        if (pending.length === 0) {
            return;
        }
        const pools = (await this.pools()).filter((p) => !p.spec?.disabled);
        const used = new Set<string>();
        for (const s of services) {
            for (const i of ((s.status?.loadBalancer as { ingress?: Array<{ ip?: string }> } | undefined)?.ingress ?? [])) {
                if (i.ip) {
                    used.add(i.ip);
                }
            }
        }
        for (const svc of pending) {
            const labels = { ...(svc.metadata.labels ?? {}), "io.kubernetes.service.namespace": svc.metadata.namespace ?? "default", "io.kubernetes.service.name": svc.metadata.name };
            const requested = [svc.metadata.annotations?.["lbipam.cilium.io/ips"], svc.metadata.annotations?.["io.cilium/lb-ipam-ips"], svc.spec?.loadBalancerIP as string | undefined]
                .filter((x): x is string => typeof x === "string" && x !== "")
                .flatMap((x) => x.split(","))
                .map((x) => x.trim());
            let chosen: string | undefined;
            for (const pool of pools) {
                if (!selectorMatches(pool.spec?.serviceSelector as Parameters<typeof selectorMatches>[0], labels)) {
                    continue;
                }
                for (const block of poolBlocks(pool.spec ?? {})) {
                    if (requested.length > 0) {
                        chosen = requested.find((ip) => {
                            const a = parseAddress(ip);
                            return a !== undefined && a.first >= block.first && a.first <= block.last && !used.has(ip);
                        });
                    } else {
                        for (let v = block.first; v <= block.last && chosen === undefined; v++) {
                            if (!used.has(ipv4(v))) {
                                chosen = ipv4(v);
                            }
                        }
                    }
                    if (chosen) {
                        break;
                    }
                }
                if (chosen) {
                    break;
                }
            }
            if (!chosen) {
                continue;
            }
            used.add(chosen);
            await this.client.patchStatus(`/api/v1/namespaces/${svc.metadata.namespace}/services/${svc.metadata.name}`, { loadBalancer: { ingress: [{ ip: chosen, ipMode: "VIP" }] } });
            this.log(`LB-IPAM: ${svc.metadata.namespace}/${svc.metadata.name} -> ${chosen}`);
        }
    }
}
