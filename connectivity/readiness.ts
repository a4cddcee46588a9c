/**
 * The `install` hop: every wait a deploy of one member makes, held against what provides each
 * waited-on object's needs (lib/readiness.ts). A wait can end only when what it needs exists
 * before it without depending on it: a node group created after the release it would serve, or an
 * LB-IPAM pool created after the Service that needs its address, is a wait that never ends (a
 * 15-minute timeout on every `up`). Pure: reads the planned resources and their dependencies.
 */
import { parseAddress, parseCidr } from "../lib/cidr";
import { CLUSTER_PROVIDES, ciliumChartWaits, READINESS, type Need, type WaitedKind } from "../lib/readiness";
import { ciliumChartVersion, record, TYPES, where, type MemberPlan, type MemberProblem, type PlannedResource } from "./plans";

/** One wait of the deploy: who waits, on what, and why it waits. */
export interface PlannedWait {
    readonly waiter: PlannedResource;
    readonly kind: WaitedKind;
    /** The waited-on object, e.g. `Deployment clustermesh-apiserver`. */
    readonly object: string;
    /** A LoadBalancer Service's requested address, when it asks for one. */
    readonly loadBalancerIP?: string;
}


function skipsAwait(r: PlannedResource): boolean {
    return record(record(r.inputs?.metadata).annotations)["pulumi.com/skipAwait"] === "true";
}

/** Every wait the plan makes (lib/readiness.ts says what each needs). */
export function plannedWaits(plan: MemberPlan): PlannedWait[] {
    const waits: PlannedWait[] = [];
    for (const r of plan.resources) {
        const inputs = r.inputs ?? {};
        const chartVersion = r.type === TYPES.release ? ciliumChartVersion(inputs) : undefined;
        if (chartVersion !== undefined) {
            // Without skipAwait Helm waits on everything it renders; with it, on its hooks only.
            for (const o of ciliumChartWaits(chartVersion, record(inputs.values))) {
                if (o.hook || inputs.skipAwait !== true) {
                    waits.push({ waiter: r, kind: o.kind, object: `${o.kind === "Job hook" ? "hook Job" : o.kind} ${o.name}`, loadBalancerIP: o.loadBalancerIP });
                }
            }
        } else if (r.type === TYPES.addon) {
            waits.push({ waiter: r, kind: "EKS add-on", object: `EKS add-on ${String(inputs.addonName)}` });
        } else if (r.type === TYPES.deployment && !skipsAwait(r)) {
            waits.push({ waiter: r, kind: "Deployment", object: `Deployment ${nameOf(inputs, r.name)}` });
        } else if (r.type === TYPES.service && record(inputs.spec).type === "LoadBalancer" && !skipsAwait(r)) {
            const annotations = record(record(inputs.metadata).annotations);
            const ip = annotations["lbipam.cilium.io/ips"] ?? record(inputs.spec).loadBalancerIP;
            waits.push({ waiter: r, kind: "LoadBalancer Service", object: `LoadBalancer Service ${nameOf(inputs, r.name)}`, loadBalancerIP: typeof ip === "string" ? ip : undefined });
        }
    }
    return waits;
}

/** Everything the resource of URN `urn` waits for, transitively (`dependencies` lists URNs). */
function dependencies(byUrn: ReadonlyMap<string, PlannedResource>): (urn: string) => ReadonlySet<string> {
    const memo = new Map<string, Set<string>>();
    const visit = (name: string): Set<string> => {
        const known = memo.get(name);
        if (known) return known;
        const out = new Set<string>();
        memo.set(name, out);
        for (const d of byUrn.get(name)?.dependencies ?? []) {
            out.add(d);
            for (const t of visit(d)) out.add(t);
        }
        return out;
    };
    return visit;
}

/** A planned resource that provides `need`, or the reason none does. */
interface Provider {
    readonly resource?: PlannedResource;
    /** What the cluster itself provides, when no resource is needed. */
    readonly builtIn?: string;
}

function poolCovers(pool: PlannedResource, ip: string | undefined): boolean {
    const blocks = record(pool.inputs?.spec).blocks;
    if (!Array.isArray(blocks)) return false;
    if (ip === undefined) return blocks.length > 0;
    const address = parseAddress(ip);
    return blocks.some((b) => {
        const cidr = typeof record(b).cidr === "string" ? parseCidr(record(b).cidr as string) : undefined;
        return cidr !== undefined && address !== undefined && cidr.family === address.family && address.first >= cidr.first && address.first <= cidr.last;
    });
}

function providers(plan: MemberPlan, kind: "eks" | "k3s" | "kind", need: Need, wait: PlannedWait): Provider[] {
    const builtIn = CLUSTER_PROVIDES[kind][need];
    if (builtIn) return [{ builtIn }];
    switch (need) {
        case "schedulable node":
            return plan.resources.filter((r) => r.type === TYPES.nodeGroup).map((resource) => ({ resource }));
        case "load-balancer address":
            return plan.resources.filter((r) => r.type === TYPES.lbPool && poolCovers(r, wait.loadBalancerIP)).map((resource) => ({ resource }));
        case "bound volume":
            return [];
    }
}

function fixFor(need: Need, kind: "eks" | "k3s" | "kind", wait: PlannedWait): string {
    switch (need) {
        case "schedulable node":
            return wait.waiter.type === TYPES.release
                ? "set skipAwait on the release where nodes join after the CNI, and leave its hook Jobs off (they are waited for regardless)"
                : "create the nodes before this resource (the node group after the CNI, this after the node group)";
        case "load-balancer address":
            return kind === "eks"
                ? "annotate the Service for the AWS cloud provider"
                : `give LB-IPAM a CiliumLoadBalancerIPPool${wait.loadBalancerIP ? ` holding ${wait.loadBalancerIP}` : ""} created before the wait: publish the Service outside the release, after the pool (the pool's CRD comes with the release's operator), or leave it a NodePort`;
        case "bound volume":
            return kind === "eks" ? "install the EBS CSI driver add-on and a default StorageClass first" : "install a volume provisioner first";
    }
}

/** The install hop's problems: each wait whose need nothing provides before it. */
export function readinessProblems(plan: MemberPlan, kind: "eks" | "k3s" | "kind"): MemberProblem[] {
    const dependsOn = dependencies(new Map(plan.resources.map((r) => [r.urn ?? r.name, r])));
    const problems: MemberProblem[] = [];
    for (const wait of plannedWaits(plan)) {
        const rule = READINESS[wait.kind];
        for (const need of rule.needs) {
            const candidates = providers(plan, kind, need, wait);
            if (candidates.some((p) => p.builtIn || (p.resource && p.resource !== wait.waiter && !dependsOn(p.resource.urn ?? p.resource.name).has(wait.waiter.urn ?? wait.waiter.name)))) {
                continue;
            }
            const after = candidates.find((p) => p.resource)?.resource;
            const what = `${wait.waiter.type === TYPES.release ? "Helm waits" : wait.waiter.type === TYPES.addon ? "AWS waits" : "Pulumi waits"} for ${wait.object} (ready when ${rule.ready}; ${rule.source}), which needs a ${need}`;
            problems.push({
                hop: "install",
                resource: where(plan.stack, wait.waiter),
                message: after
                    ? `${what}, but ${after.type} ${after.name} that provides it is created after ${wait.waiter.name}: the wait never ends`
                    : `${what}, and nothing in the plan provides one: the wait never ends`,
                fix: fixFor(need, kind, wait),
            });
        }
    }
    return problems;
}

/** The Kubernetes name a planned object's inputs give it, else its Pulumi name. */
function nameOf(inputs: Record<string, unknown>, fallback: string): string {
    const name = record(inputs.metadata).name;
    return typeof name === "string" ? name : fallback;
}
