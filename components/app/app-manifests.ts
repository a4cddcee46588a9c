/**
 * The global-service app's Kubernetes objects as plain data: the Cilium annotations that make
 * a Service global, the container's arguments and environment, labels, and the MCS-API
 * ServiceExport. GlobalServiceApp only wires these into resources.
 */
import { DEFAULT_ECHO_IMAGE } from "../../lib/defaults";

export { DEFAULT_ECHO_IMAGE };

/** The app deployed to every cluster as one global service. */
export interface GlobalServiceAppSettings {
    /** Deployment and Service name: the same in every cluster, or the service is not global. A DNS-1035 label. */
    readonly name: string;
    /** Namespace of the Deployment and Service: the same in every cluster. A DNS-1123 label. */
    readonly namespace: string;
    /** Container image. `DEFAULT_ECHO_IMAGE` echoes the answering cluster's name. */
    readonly image: string;
    /** Container arguments; `$(CLUSTER_NAME)` and `$(PORT)` expand. Undefined: the echo image's own, or the image's entrypoint. */
    readonly args?: readonly string[];
    /** Container port; the Service listens on 80. */
    readonly port: number;
    /** Replicas in this cluster. */
    readonly replicas: number;
    /** `service.cilium.io/shared`: offer this cluster's endpoints to the mesh. */
    readonly shared: boolean;
    /** `service.cilium.io/affinity`: prefer `local` or `remote` endpoints; `none` leaves the annotation out (cilium #46623). */
    readonly affinity: "none" | "local" | "remote";
    /** Also create an MCS-API `ServiceExport` (the cluster's Cilium needs MCS-API on). */
    readonly serviceExport: boolean;
}

/** Port the Service listens on in every cluster; the container port is `app.port`. */
export const SERVICE_PORT = 80;

export const GLOBAL_ANNOTATION = "service.cilium.io/global";
export const SHARED_ANNOTATION = "service.cilium.io/shared";
export const AFFINITY_ANNOTATION = "service.cilium.io/affinity";

/**
 * `service.cilium.io/global` makes the Service global; `shared` says whether this cluster's
 * endpoints are offered to the others; `affinity` prefers local or remote endpoints. With no
 * preference the annotation is left out rather than set to `none` (cilium #46623).
 */
export function globalServiceAnnotations(app: Pick<GlobalServiceAppSettings, "shared" | "affinity">): Record<string, string> {
    return {
        ...(app.affinity === "local" || app.affinity === "remote" ? { [AFFINITY_ANNOTATION]: app.affinity } : {}),
        [GLOBAL_ANNOTATION]: "true",
        [SHARED_ANNOTATION]: app.shared ? "true" : "false",
    };
}

/**
 * Container arguments: the configured ones, or the echo image's. Kubernetes expands `$(VAR)`
 * from the container's own env (containerEnv), so one Deployment spec serves every cluster.
 * Another image with no `args` keeps its own entrypoint arguments (undefined).
 */
export function containerArgs(app: Pick<GlobalServiceAppSettings, "image" | "args">): string[] | undefined {
    if (app.args) {
        return [...app.args];
    }
    return app.image === DEFAULT_ECHO_IMAGE ? ["-listen=:$(PORT)", "-text=$(CLUSTER_NAME)"] : undefined;
}

/** The variables `$(CLUSTER_NAME)` and `$(PORT)` in the arguments expand from. */
export function containerEnv(clusterName: string, app: Pick<GlobalServiceAppSettings, "port">): Array<{ name: string; value: string }> {
    return [
        { name: "CLUSTER_NAME", value: clusterName },
        { name: "PORT", value: String(app.port) },
    ];
}

/**
 * Labels of the Deployment, its pods and the Service selector. They are the same in every
 * cluster and never include the cluster name: a selector cannot change without replacing the
 * Deployment.
 */
export function appLabels(app: Pick<GlobalServiceAppSettings, "name">): Record<string, string> {
    return { "app.kubernetes.io/name": app.name, "app.kubernetes.io/part-of": "clustermesh" };
}

/** In-cluster DNS name of the Service: the name a client in any member cluster calls. */
export function serviceFqdn(app: Pick<GlobalServiceAppSettings, "name" | "namespace">): string {
    return `${app.name}.${app.namespace}.svc.cluster.local`;
}

/** The MCS-API export of the app's Service: same name and namespace as the Service. */
export function serviceExport(app: Pick<GlobalServiceAppSettings, "name" | "namespace">): {
    apiVersion: "multicluster.x-k8s.io/v1alpha1";
    kind: "ServiceExport";
    metadata: { name: string; namespace: string };
} {
    return {
        apiVersion: "multicluster.x-k8s.io/v1alpha1",
        kind: "ServiceExport",
        metadata: { name: app.name, namespace: app.namespace },
    };
}

const dns1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const dns1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Problems with an app configuration that did not come through the stack schema (the
 * component is usable on its own), each naming the field, the value and the fix. Empty when
 * the configuration is usable.
 */
export function appConfigProblems(app: GlobalServiceAppSettings): string[] {
    const problems: string[] = [];
    if (typeof app.name !== "string" || !dns1035.test(app.name) || app.name.length > 63) {
        problems.push(`app.name ${JSON.stringify(app.name)} is not a DNS-1035 label; use lower-case letters, digits and '-', starting with a letter, e.g. "echo"`);
    }
    if (typeof app.namespace !== "string" || !dns1123.test(app.namespace) || app.namespace.length > 63) {
        problems.push(`app.namespace ${JSON.stringify(app.namespace)} is not a DNS-1123 label; use lower-case letters, digits and '-', e.g. "mesh-demo"`);
    }
    if (typeof app.image !== "string" || app.image.trim().length === 0) {
        problems.push(`app.image ${JSON.stringify(app.image)} is empty; name an image such as ${JSON.stringify(DEFAULT_ECHO_IMAGE)}`);
    }
    if (!Number.isInteger(app.port) || app.port < 1 || app.port > 65535) {
        problems.push(`app.port ${String(app.port)} is not a TCP port; use 1-65535, e.g. 8080`);
    }
    if (!Number.isInteger(app.replicas) || app.replicas < 0) {
        problems.push(`app.replicas ${String(app.replicas)} is not a whole number of 0 or more; use e.g. 2`);
    }
    if (!["none", "local", "remote"].includes(app.affinity)) {
        problems.push(`app.affinity ${JSON.stringify(app.affinity)} is not one of "none", "local", "remote"`);
    }
    return problems;
}
