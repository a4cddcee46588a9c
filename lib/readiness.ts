/**
 * The readiness model: every wait a deploy makes, as data. A deploy of this program waits in
 * three places: Helm waits for what a release renders (all of it without `skipAwait`, its hook
 * Jobs always), Pulumi's Kubernetes provider waits for the objects it creates (a Deployment's
 * replicas, a LoadBalancer Service's address), and AWS waits for an EKS add-on to turn ACTIVE.
 * Each waited-on object is ready only once something else exists: a node to run its pods, an
 * address source for a load balancer, a volume provisioner. `READINESS` says what makes each kind
 * ready and what it needs; `ciliumChartWaits` says which objects the Cilium chart renders for a set
 * of values (checked against the real chart's render in readiness.test.ts). The connectivity
 * check (connectivity/readiness.ts) holds a plan against both: a wait whose need is provided only
 * by something created after it can never end.
 *
 * Neutral: imports nothing of the project but lib/.
 */
import { ciliumAtLeast } from "./cilium-version";

/** What a waited-on object needs from the cluster before it can become ready. */
export type Need = "schedulable node" | "load-balancer address" | "bound volume";

/** The kinds of waited-on object. */
export type WaitedKind = "Deployment" | "DaemonSet" | "StatefulSet" | "Job hook" | "LoadBalancer Service" | "PersistentVolumeClaim" | "EKS add-on";

export interface ReadinessRule {
    /** What makes it ready, in the words of the waiter's source. */
    readonly ready: string;
    /** What must exist for that to happen. */
    readonly needs: readonly Need[];
    /** Where the rule comes from. */
    readonly source: string;
}

/** What makes each kind ready when Helm, Pulumi or AWS waits on it. */
export const READINESS: Readonly<Record<WaitedKind, ReadinessRule>> = {
    Deployment: {
        ready: "ready replicas reach the desired count",
        needs: ["schedulable node"],
        source: "helm pkg/kube/ready.go (deploymentReady); pulumi-kubernetes await logic for apps/v1 Deployment",
    },
    DaemonSet: {
        // desiredNumberScheduled 0 is ready: a DaemonSet waits for the nodes that exist, none needed.
        ready: "every node it is scheduled on runs a ready pod (no node: ready)",
        needs: [],
        source: "helm pkg/kube/ready.go (daemonSetReady)",
    },
    StatefulSet: {
        ready: "ready replicas reach the desired count, each with its volume claims bound",
        needs: ["schedulable node", "bound volume"],
        source: "helm pkg/kube/ready.go (statefulSetReady)",
    },
    "Job hook": {
        ready: "the Job completes",
        needs: ["schedulable node"],
        source: "helm pkg/action/hooks.go: Helm waits for hook Jobs to complete, with or without --wait (skipAwait)",
    },
    "LoadBalancer Service": {
        ready: "status.loadBalancer.ingress holds an address (or spec.externalIPs is set)",
        needs: ["load-balancer address"],
        source: "helm pkg/kube/ready.go (serviceReady); pulumi-kubernetes await logic for v1 Service",
    },
    PersistentVolumeClaim: {
        ready: "the claim is Bound",
        needs: ["bound volume"],
        source: "helm pkg/kube/ready.go (volumeReady)",
    },
    "EKS add-on": {
        ready: "the add-on is ACTIVE, i.e. its pods run",
        needs: ["schedulable node"],
        source: "EKS CreateAddon (status CREATING until the add-on's workloads run); aws provider waiter for aws_eks_addon",
    },
};

/** One object a release renders that Helm waits on. */
export interface ChartObject {
    readonly kind: WaitedKind;
    readonly name: string;
    /** A Helm hook: waited for even with skipAwait. */
    readonly hook: boolean;
    /** For a LoadBalancer Service: the address it asks for, if any. */
    readonly loadBalancerIP?: string;
}

type Values = Readonly<Record<string, unknown>>;

function at(values: Values, path: string): unknown {
    return path.split(".").reduce<unknown>((node, key) => (node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined), values);
}

/** A chart boolean: the value when set, else the chart's default. */
function flag(values: Values, path: string, chartDefault: boolean): boolean {
    const v = at(values, path);
    return typeof v === "boolean" ? v : chartDefault;
}

/** One row of the chart model: when the chart renders an object Helm waits on, and the template it comes from. */
interface ChartRow {
    readonly object: (values: Values, version: string) => ChartObject | undefined;
    readonly source: string;
}

const row = (kind: WaitedKind, name: string, when: (values: Values, version: string) => boolean, source: string, hook = false): ChartRow => ({
    object: (values, version) => (when(values, version) ? { kind, name, hook } : undefined),
    source,
});

/**
 * Which objects Helm waits on the Cilium chart renders (1.18-1.20), with the values that decide
 * them and each template. Values the program never sets are modelled by their chart default.
 */
export const CILIUM_CHART_WAITS: readonly ChartRow[] = [
    row("DaemonSet", "cilium", (v) => !flag(v, "preflight.enabled", false), "templates/cilium-agent/daemonset.yaml"),
    row(
        "DaemonSet",
        "cilium-envoy",
        // envoyDaemonSetEnabled (_helpers.tpl): l7Proxy on, envoy.enabled unset means on from 1.16.
        (v) => flag(v, "l7Proxy", true) && flag(v, "envoy.enabled", true) && !flag(v, "preflight.enabled", false),
        "templates/cilium-envoy/daemonset.yaml",
    ),
    row("Deployment", "cilium-operator", (v) => flag(v, "operator.enabled", true), "templates/cilium-operator/deployment.yaml"),
    // The pre-flight check (upgrade guide): its DaemonSet pulls the target's image on every node,
    // its Deployment validates the network policies against the target.
    row("DaemonSet", "cilium-pre-flight-check", (v) => flag(v, "preflight.enabled", false), "templates/cilium-preflight/daemonset.yaml"),
    row("Deployment", "cilium-pre-flight-check", (v) => flag(v, "preflight.enabled", false) && flag(v, "preflight.validateCNPs", true), "templates/cilium-preflight/deployment.yaml"),
    row("DaemonSet", "cilium-node-init", (v) => flag(v, "nodeinit.enabled", false), "templates/cilium-nodeinit/daemonset.yaml"),
    row("Deployment", "hubble-relay", (v) => flag(v, "hubble.enabled", true) && flag(v, "hubble.relay.enabled", false), "templates/hubble-relay/deployment.yaml"),
    row("Deployment", "hubble-ui", (v) => flag(v, "hubble.enabled", true) && flag(v, "hubble.ui.enabled", false), "templates/hubble-ui/deployment.yaml"),
    row("Deployment", "clustermesh-apiserver", (v) => flag(v, "clustermesh.useAPIServer", false), "templates/clustermesh-apiserver/deployment.yaml"),
    {
        // type from clustermesh.apiserver.service.type; externallyCreated (1.19+) leaves it to the user.
        object: (v) =>
            flag(v, "clustermesh.useAPIServer", false) && at(v, "clustermesh.apiserver.service.type") === "LoadBalancer" && !flag(v, "clustermesh.apiserver.service.externallyCreated", false)
                ? {
                      kind: "LoadBalancer Service",
                      name: "clustermesh-apiserver",
                      hook: false,
                      ...(typeof at(v, "clustermesh.apiserver.service.loadBalancerIP") === "string" ? { loadBalancerIP: at(v, "clustermesh.apiserver.service.loadBalancerIP") as string } : {}),
                  }
                : undefined,
        source: "templates/clustermesh-apiserver/service.yaml",
    },
    {
        // The ingress controller's shared Service is a LoadBalancer unless told otherwise.
        object: (v) =>
            flag(v, "ingressController.enabled", false) && (at(v, "ingressController.service.type") ?? "LoadBalancer") === "LoadBalancer"
                ? { kind: "LoadBalancer Service", name: "cilium-ingress", hook: false }
                : undefined,
        source: "templates/cilium-ingress-service.yaml",
    },
    row(
        "Job hook",
        "cilium-coredns-mcsapi-autoconfig",
        (v, version) => ciliumAtLeast(version, 1, 19) && flag(v, "clustermesh.mcsapi.enabled", false) && flag(v, "clustermesh.mcsapi.corednsAutoConfigure.enabled", false),
        "templates/clustermesh-coredns-mcsapi/job.yaml (helm.sh/hook: post-install,post-upgrade)",
        true,
    ),
    row(
        "StatefulSet",
        "spire-server",
        (v) => flag(v, "authentication.mutual.spire.enabled", false) && flag(v, "authentication.mutual.spire.install.enabled", true),
        "templates/spire/server/statefulset.yaml (volumeClaimTemplates)",
    ),
];

/** Every object of the Cilium chart `version` that Helm waits on for `values`, in the table's order. */
export function ciliumChartWaits(version: string, values: Values): ChartObject[] {
    return CILIUM_CHART_WAITS.map((r) => r.object(values, version)).filter((o): o is ChartObject => o !== undefined);
}

/**
 * What each cluster kind provides by itself, before anything the program adds: nodes that exist
 * with the cluster, a load-balancer implementation, a default volume provisioner.
 */
export const CLUSTER_PROVIDES: Readonly<Record<"eks" | "k3s" | "kind", { readonly [N in Need]: string | undefined }>> = {
    // EKS: nodes only from a node group; the in-tree AWS cloud provider of the control plane
    // serves LoadBalancer Services (cloud-provider-aws); no volume provisioner without the EBS CSI add-on.
    eks: { "schedulable node": undefined, "load-balancer address": "the EKS control plane's AWS cloud provider (an NLB)", "bound volume": undefined },
    // k3s: the server is a node from the start; servicelb is disabled here (k3s-config.ts `disable`),
    // so LoadBalancer addresses come only from Cilium LB-IPAM; local-path-provisioner ships with k3s.
    k3s: { "schedulable node": "the k3s server node", "load-balancer address": undefined, "bound volume": "k3s's local-path provisioner" },
    // kind: the node containers exist with the cluster; no load-balancer implementation; kind ships local-path-provisioner.
    kind: { "schedulable node": "the kind node containers", "load-balancer address": undefined, "bound volume": "kind's local-path provisioner (storage class standard)" },
};
