/**
 * The test cluster's interface for the engine tests (README.md beside this file):
 *
 * - startCluster(), RunningCluster, stopClusterAt(): a control plane with kwok nodes on 127.0.0.1.
 * - kindStandInEnv(): the environment under which the kind lab's own `kind`/`docker` commands
 *   run against the stand-ins of test/engine/bin/; deleteAllStandInClusters() cleans up after.
 * - skipReason(), clusterBinaries(): whether scripts/engine/build-cluster.sh has built the binaries.
 */
import { dirname, join, resolve } from "node:path";
import { clusterBinaries } from "./paths";
import { OWNER_PID_ENV, STATE_DIR_ENV } from "./stand-in-state";

export { startCluster, stopClusterAt, type RunningCluster, type StartClusterOptions, type NodeSpec } from "./cluster";
export { deleteAllStandInClusters } from "./kind-cli";
export { KubeClient, waitFor, type KubeObject } from "./kube-client";
export { CLUSTER_VERSIONS, clusterBinaries, engineCacheDir, missingBinaries, skipReason } from "./paths";
export { OWNER_PID_ENV, STATE_DIR_ENV } from "./stand-in-state";

/** The folder holding the `kind` and `docker` stand-ins. */
export const STAND_IN_BIN_DIR = resolve(__dirname, "..", "bin");

/**
 * `base` plus what the stand-ins need: their folder first on PATH, then the kubectl built with
 * the control plane (the lab's prerequisite check asks for kubectl), the state folder, this
 * process as the owner of every cluster they create (they end when it does), and a kubeconfig
 * file of the run's own (kind writes its contexts there, as real kind does to ~/.kube/config).
 */
export function kindStandInEnv(stateDir: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    return {
        ...base,
        PATH: `${STAND_IN_BIN_DIR}:${dirname(clusterBinaries(base).kubectl)}:${base.PATH ?? ""}`,
        [STATE_DIR_ENV]: stateDir,
        [OWNER_PID_ENV]: String(process.pid),
        KUBECONFIG: join(stateDir, "kubeconfig"),
    };
}
