/**
 * Pure builders for a kind cluster: its config file (kind's `v1alpha4` Cluster), the shell
 * commands the component runs, and the parsing of what they print. No resources here, so the
 * tests check the exact config and scripts the component hands to `@pulumi/command`.
 */
import { stringify } from "yaml";

/** kind's `kind.x-k8s.io/v1alpha4` Cluster, the fields this program writes (pkg/apis/config/v1alpha4/types.go). */
export interface KindClusterConfig {
    readonly kind: "Cluster";
    readonly apiVersion: "kind.x-k8s.io/v1alpha4";
    readonly name: string;
    readonly nodes: ReadonlyArray<{ readonly role: "control-plane" | "worker"; readonly image: string }>;
    readonly networking: {
        readonly ipFamily: "ipv4";
        readonly apiServerAddress: string;
        readonly apiServerPort?: number;
        readonly podSubnet: string;
        readonly serviceSubnet: string;
        readonly disableDefaultCNI: true;
        readonly kubeProxyMode: "none" | "iptables";
    };
}

export interface KindConfigInput {
    /** kind cluster name (also the Cilium cluster name). */
    readonly clusterName: string;
    /** Worker nodes beside the control plane. */
    readonly workers: number;
    /** Node image, e.g. `kindest/node:v1.33.1`. */
    readonly nodeImage: string;
    readonly podSubnet: string;
    readonly serviceSubnet: string;
    /** Cilium replaces kube-proxy: kube-proxy is not deployed (`kubeProxyMode: none`). */
    readonly kubeProxyReplacement: boolean;
    /** Host port of the API server; 0 or undefined lets kind pick one. */
    readonly apiServerPort?: number;
}

/**
 * The kind config: no default CNI (Cilium is installed next), no kube-proxy when Cilium replaces
 * it, the member's pod and service ranges, one control plane and `workers` workers, the API
 * server on the host's loopback (where `pulumi up` and kubectl run).
 */
export function kindClusterConfig(input: KindConfigInput): KindClusterConfig {
    return {
        kind: "Cluster",
        apiVersion: "kind.x-k8s.io/v1alpha4",
        name: input.clusterName,
        nodes: [
            { role: "control-plane", image: input.nodeImage },
            ...Array.from({ length: input.workers }, () => ({ role: "worker" as const, image: input.nodeImage })),
        ],
        networking: {
            ipFamily: "ipv4",
            apiServerAddress: "127.0.0.1",
            ...(input.apiServerPort ? { apiServerPort: input.apiServerPort } : {}),
            podSubnet: input.podSubnet,
            serviceSubnet: input.serviceSubnet,
            disableDefaultCNI: true,
            kubeProxyMode: input.kubeProxyReplacement ? "none" : "iptables",
        },
    };
}

export function kindConfigYaml(config: KindClusterConfig): string {
    return stringify(config);
}

/** Quotes a word for POSIX sh. */
export function shellQuote(word: string): string {
    return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The tools the component runs, each with how to get it. */
export const KIND_PREREQUISITES = [
    { tool: "docker", install: "install Docker Engine or Docker Desktop (https://docs.docker.com/get-docker/) and start it" },
    { tool: "kind", install: "install kind v0.29 or later (https://kind.sigs.k8s.io/docs/user/quick-start/#installation), e.g. brew install kind or go install sigs.k8s.io/kind@latest" },
    { tool: "kubectl", install: "install kubectl (https://kubernetes.io/docs/tasks/tools/), e.g. brew install kubectl" },
] as const;

/**
 * Checks docker, kind and kubectl before anything is created, and that the Docker daemon
 * answers; exits 1 naming every missing tool and how to install it.
 */
export function prerequisitesScript(): string {
    const lines = ["set -u", "missing=0"];
    for (const p of KIND_PREREQUISITES) {
        lines.push(`if ! command -v ${p.tool} >/dev/null 2>&1; then echo ${shellQuote(`kind cluster: ${p.tool} is not installed; ${p.install}`)} >&2; missing=1; fi`);
    }
    lines.push(
        `if [ "$missing" = 0 ] && ! docker info >/dev/null 2>&1; then echo ${shellQuote("kind cluster: docker is installed but the Docker daemon does not answer (docker info failed); start Docker and check that this user may use it")} >&2; missing=1; fi`,
        `exit "$missing"`,
    );
    return lines.join("\n");
}

/**
 * Creates the shared Docker network if it does not exist (idempotent: every kind member of the
 * mesh runs it), and fails when a network of that name exists with another subnet.
 */
export function networkScript(network: string, subnet: string): string {
    const n = shellQuote(network);
    return [
        "set -eu",
        `if docker network inspect ${n} >/dev/null 2>&1; then`,
        `  have=$(docker network inspect -f '{{range .IPAM.Config}}{{.Subnet}} {{end}}' ${n})`,
        '  have=${have% }',
        `  case " $have " in *" ${subnet} "*) exit 0 ;; esac`,
        `  echo ${shellQuote(`kind network: Docker network ${network} exists with subnet(s) `)}"$have"${shellQuote(`, not ${subnet}; set clustermesh:kind.networkSubnet to match, or remove the network`)} >&2`,
        "  exit 1",
        "fi",
        `docker network create --driver bridge --subnet ${shellQuote(subnet)} ${n} >/dev/null`,
    ].join("\n");
}

/**
 * Removes the shared network once no container uses it; leaves it while another kind member of
 * the mesh is still on it (docker refuses to remove a network in use).
 */
export function networkDeleteScript(network: string): string {
    return `docker network rm ${shellQuote(network)} >/dev/null 2>&1 || true`;
}

/** Creates the cluster from the config on standard input, on the shared network; idempotent. */
export function createClusterScript(clusterName: string, network: string): string {
    const name = shellQuote(clusterName);
    return [
        "set -eu",
        `if kind get clusters 2>/dev/null | grep -qx ${name}; then exit 0; fi`,
        `KIND_EXPERIMENTAL_DOCKER_NETWORK=${shellQuote(network)} kind create cluster --name ${name} --config - --wait 0s`,
    ].join("\n");
}

/** Deletes the cluster (its node containers); succeeds when it is already gone. */
export function deleteClusterScript(clusterName: string): string {
    return `kind delete cluster --name ${shellQuote(clusterName)}`;
}

/** Prints the kubeconfig (API server on the host's loopback). */
export function kubeconfigScript(clusterName: string): string {
    return `kind get kubeconfig --name ${shellQuote(clusterName)}`;
}

/** Prints each node container's address on the shared network, one per line, ordered by node name. */
export function nodeAddressesScript(clusterName: string, network: string): string {
    const format = `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`;
    return [
        "set -eu",
        `for node in $(kind get nodes --name ${shellQuote(clusterName)} | sort); do`,
        `  docker inspect -f ${shellQuote(format)} "$node"`,
        "done",
    ].join("\n");
}

/** The IPv4 addresses in a command's output, in order; anything else is ignored. */
export function parseNodeAddresses(stdout: string): string[] {
    return stdout
        .split(/\s+/)
        .filter((word) => /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(word));
}

/** The container name of the control-plane node: the API host Cilium dials from inside the Docker network. */
export function controlPlaneHost(clusterName: string): string {
    return `${clusterName}-control-plane`;
}
