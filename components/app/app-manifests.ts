/**
 * The global-service app's Kubernetes objects as plain data: the Cilium annotations that make
 * a Service global, the container's arguments and the MCS-API ServiceExport.
 */
import type { AppConfig } from "../../stacks/schema";

/** The default image echoes the answering cluster's name, which `npm run verify` counts. */
export const DEFAULT_ECHO_IMAGE = "hashicorp/http-echo:1.0.0";

/**
 * `service.cilium.io/global` makes the Service global; `shared` says whether this cluster's
 * endpoints are offered to the others; `affinity` prefers local or remote endpoints. With no
 * preference the annotation is left out rather than set to `none` (cilium #46623).
 */
export function globalServiceAnnotations(app: Pick<AppConfig, "shared" | "affinity">): Record<string, string> {
    return {
        "service.cilium.io/global": "true",
        "service.cilium.io/shared": app.shared ? "true" : "false",
        ...(app.affinity !== "none" ? { "service.cilium.io/affinity": app.affinity } : {}),
    };
}

/** Container arguments: the configured ones, or the echo image's. `$(VAR)` expands from the container env. */
export function containerArgs(app: Pick<AppConfig, "image" | "args">): string[] | undefined {
    if (app.args) {
        return app.args;
    }
    return app.image === DEFAULT_ECHO_IMAGE ? ["-listen=:$(PORT)", "-text=$(CLUSTER_NAME)"] : undefined;
}

export function appLabels(app: Pick<AppConfig, "name">): Record<string, string> {
    return { "app.kubernetes.io/name": app.name, "app.kubernetes.io/part-of": "clustermesh" };
}

/** The MCS-API export of the app's Service: same name and namespace as the Service. */
export function serviceExport(app: Pick<AppConfig, "name" | "namespace">) {
    return {
        apiVersion: "multicluster.x-k8s.io/v1alpha1",
        kind: "ServiceExport",
        metadata: { name: app.name, namespace: app.namespace },
    };
}
