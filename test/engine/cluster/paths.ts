/**
 * Where the test cluster's binaries live: the engine cache that scripts/engine/build-cluster.sh
 * fills (`$CLUSTERMESH_ENGINE_CACHE`, else `${XDG_CACHE_HOME:-$HOME/.cache}/clustermesh-engine`,
 * subfolder `cluster/`). Each binary can also be named on its own by an environment variable,
 * which wins over the cache (the build script's `--print-env` prints them).
 */
import { accessSync, constants } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** The versions build-cluster.sh builds by default; keep in step with its defaults. */
export const CLUSTER_VERSIONS = {
    /** Matches the kind lab's default node image, kindest/node:v1.33.1 (lib/defaults.ts). */
    kubernetes: "v1.33.1",
    kwok: "v0.7.0",
    kine: "v0.17.5",
} as const;

/** The engine cache folder shared with the rest of scripts/engine/. */
export function engineCacheDir(env: NodeJS.ProcessEnv = process.env): string {
    if (env.CLUSTERMESH_ENGINE_CACHE) {
        return env.CLUSTERMESH_ENGINE_CACHE;
    }
    return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "clustermesh-engine");
}

/** Absolute paths of every binary the cluster runs. */
export interface ClusterBinaries {
    readonly kubeApiserver: string;
    readonly kubeControllerManager: string;
    readonly kubeScheduler: string;
    /** A kubectl of the cluster's version (built beside the control plane); optional for the harness itself. */
    readonly kubectl: string;
    readonly kine: string;
    readonly kwok: string;
}

/** The binaries' paths: `CLUSTERMESH_KUBERNETES_BIN_DIR`, `CLUSTERMESH_KINE_BIN`, `CLUSTERMESH_KWOK_BIN`, else the cache. */
export function clusterBinaries(env: NodeJS.ProcessEnv = process.env): ClusterBinaries {
    const root = join(engineCacheDir(env), "cluster");
    const k8s = env.CLUSTERMESH_KUBERNETES_BIN_DIR || join(root, `kubernetes-${CLUSTER_VERSIONS.kubernetes}`, "bin");
    return {
        kubeApiserver: join(k8s, "kube-apiserver"),
        kubeControllerManager: join(k8s, "kube-controller-manager"),
        kubeScheduler: join(k8s, "kube-scheduler"),
        kubectl: join(k8s, "kubectl"),
        kine: env.CLUSTERMESH_KINE_BIN || join(root, `kine-${CLUSTER_VERSIONS.kine}`, "bin", "kine"),
        kwok: env.CLUSTERMESH_KWOK_BIN || join(root, `kwok-${CLUSTER_VERSIONS.kwok}`, "bin", "kwok"),
    };
}

/** The binaries the harness cannot run without that are not executable files, each with its path; empty when all are there. */
export function missingBinaries(binaries: ClusterBinaries = clusterBinaries()): string[] {
    const required: Array<keyof ClusterBinaries> = ["kubeApiserver", "kubeControllerManager", "kubeScheduler", "kine", "kwok"];
    return required
        .filter((key) => {
            try {
                accessSync(binaries[key], constants.X_OK);
                return false;
            } catch {
                return true;
            }
        })
        .map((key) => `${key} (${binaries[key]})`);
}

/** A sentence for a test's skip reason when binaries are missing; undefined when all are there. */
export function skipReason(binaries: ClusterBinaries = clusterBinaries()): string | undefined {
    const missing = missingBinaries(binaries);
    if (missing.length === 0) {
        return undefined;
    }
    return `the test cluster's binaries are not built (missing: ${missing.join(", ")}); run scripts/engine/build-cluster.sh first`;
}
