import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { overlaps, parseCidr, type CidrRange } from "../../lib/cidr";
import { CLUSTER_NAME_PATTERN } from "../../lib/cilium-version";
import { DEFAULT_KIND_NETWORK, DEFAULT_KIND_NETWORK_SUBNET, DEFAULT_KIND_NODE_IMAGE } from "../../lib/defaults";
import {
    controlPlaneHost,
    createClusterScript,
    deleteClusterScript,
    kindClusterConfig,
    kindConfigYaml,
    kubeconfigScript,
    networkDeleteScript,
    networkScript,
    nodeAddressesScript,
    parseNodeAddresses,
    prerequisitesScript,
} from "./kind-config";
import type { MeshCluster } from "./mesh-cluster";
import { failOnProblems } from "../problems";

export interface KindClusterArgs {
    /** kind cluster name and Cilium `cluster.name`; the kubeconfig context is `kind-<name>`. */
    clusterName: string;
    /** Pod CIDR (kind `networking.podSubnet`, Cilium's cluster-pool). */
    podCIDR: string;
    /** Service CIDR (kind `networking.serviceSubnet`). */
    serviceCIDR: string;
    /** Worker nodes beside the control plane. Default 1. */
    workers?: number;
    /** kind node image (the Kubernetes version). Default `kindest/node:v1.35.0`. */
    nodeImage?: string;
    /** Cilium replaces kube-proxy: kind deploys none (`kubeProxyMode: none`). Default true. */
    kubeProxyReplacement?: boolean;
    /**
     * Docker network the node containers join (`KIND_EXPERIMENTAL_DOCKER_NETWORK`), created if
     * missing and shared by every kind member of a mesh, so peers reach each other's nodes.
     * Default `clustermesh`.
     */
    network?: string;
    /** IPv4 subnet of that network; must not overlap `podCIDR` or `serviceCIDR`. Default `172.30.0.0/16`. */
    networkSubnet?: string;
    /** Host port of the API server on 127.0.0.1. Default: kind picks a free one. */
    apiServerPort?: number;
}

/** Port of the API server inside the Docker network (kubeadm's default). */
export const KIND_API_PORT = 6443;

/**
 * A kind cluster (Kubernetes in Docker) for the mesh, on the machine running Pulumi: the
 * default CNI off, no kube-proxy when Cilium replaces it, the member's pod and service ranges,
 * the nodes on a Docker network shared by every kind member of the mesh. Built with
 * `@pulumi/command` local commands: a prerequisite check (docker, kind, kubectl) before
 * anything else, the network (idempotent), `kind create cluster` with the generated config on
 * standard input, the kubeconfig read back as a secret (logging off), and the node containers'
 * addresses, which peers dial with the clustermesh-apiserver's NodePort. Destroying it runs
 * `kind delete cluster`; the network is removed once no other cluster uses it.
 */
export class KindCluster extends pulumi.ComponentResource implements MeshCluster {
    public readonly clusterName: string;
    public readonly kind = "kind" as const;
    /** Kubernetes provider for in-cluster objects; its `clusterIdentifier` is the cluster name. */
    public readonly provider: k8s.Provider;
    /** Kubeconfig with the API server on 127.0.0.1 (`kind get kubeconfig`). Secret. */
    public readonly kubeconfig: pulumi.Output<string>;
    /** The control-plane container's name, resolved by Docker's DNS on the shared network. */
    public readonly apiServerHost: pulumi.Output<string>;
    /** Always 6443 (inside the network). */
    public readonly apiServerPort: pulumi.Output<number>;
    /** The node containers' addresses on the shared network, ordered by node name. */
    public readonly nodeAddresses: pulumi.Output<string[]>;
    /** The `kind create cluster` command: in-cluster objects are deleted with it. */
    public readonly deletionAnchor: pulumi.Resource;
    /** The kind config given to `kind create cluster` (YAML). */
    public readonly configYaml: string;

    constructor(name: string, args: KindClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        failOnProblems(`KindCluster ${name}`, kindProblems(args), opts);
        super("clustermesh:cluster:KindCluster", name, {}, opts);
        this.clusterName = args.clusterName;
        const network = args.network ?? DEFAULT_KIND_NETWORK;
        const subnet = args.networkSubnet ?? DEFAULT_KIND_NETWORK_SUBNET;
        this.configYaml = kindConfigYaml(
            kindClusterConfig({
                clusterName: args.clusterName,
                workers: args.workers ?? 1,
                nodeImage: args.nodeImage ?? DEFAULT_KIND_NODE_IMAGE,
                podSubnet: args.podCIDR,
                serviceSubnet: args.serviceCIDR,
                kubeProxyReplacement: args.kubeProxyReplacement ?? true,
                apiServerPort: args.apiServerPort,
            }),
        );

        // The first thing created: a missing tool fails the up with a message naming it and
        // how to install it, before any network or container exists.
        const prerequisites = new command.local.Command(`${name}-prerequisites`, { create: prerequisitesScript(), interpreter: ["/bin/sh", "-c"] }, { parent: this });
        const dockerNetwork = new command.local.Command(
            `${name}-network`,
            { create: networkScript(network, subnet), delete: networkDeleteScript(network), interpreter: ["/bin/sh", "-c"], triggers: [network, subnet] },
            { parent: this, dependsOn: [prerequisites] },
        );
        const cluster = new command.local.Command(
            `${name}-cluster`,
            {
                create: createClusterScript(args.clusterName, network),
                stdin: this.configYaml,
                delete: deleteClusterScript(args.clusterName),
                interpreter: ["/bin/sh", "-c"],
                // Any change to the config or the network rebuilds the cluster (kind cannot change one in place).
                triggers: [this.configYaml, network],
            },
            // The old cluster goes first: its name is reused.
            { parent: this, dependsOn: [dockerNetwork], deleteBeforeReplace: true },
        );
        const read = new command.local.Command(
            `${name}-kubeconfig`,
            { create: kubeconfigScript(args.clusterName), logging: command.types.enums.local.Logging.None, interpreter: ["/bin/sh", "-c"], triggers: [cluster.id] },
            { parent: this, dependsOn: [cluster], additionalSecretOutputs: ["stdout", "stderr"] },
        );
        const addresses = new command.local.Command(
            `${name}-node-addresses`,
            { create: nodeAddressesScript(args.clusterName, network), interpreter: ["/bin/sh", "-c"], triggers: [cluster.id] },
            { parent: this, dependsOn: [cluster] },
        );
        this.kubeconfig = pulumi.secret(read.stdout);
        this.provider = new k8s.Provider(`${name}-provider`, { kubeconfig: this.kubeconfig, clusterIdentifier: args.clusterName }, { parent: this });
        this.apiServerHost = pulumi.output(controlPlaneHost(args.clusterName));
        this.apiServerPort = pulumi.output(KIND_API_PORT);
        this.nodeAddresses = addresses.stdout.apply(parseNodeAddresses);
        this.deletionAnchor = cluster;
        this.registerOutputs({ kubeconfig: this.kubeconfig, apiServerHost: this.apiServerHost, nodeAddresses: this.nodeAddresses });
    }

    /** kind's nodes wait for the CNI on their own (NotReady, then Ready): nothing to release. */
    attachCni(_cni: pulumi.Resource): pulumi.Resource[] {
        return [];
    }
}

function kindProblems(args: KindClusterArgs): string[] {
    const problems: string[] = [];
    if (!CLUSTER_NAME_PATTERN.test(args.clusterName ?? "")) {
        problems.push(`clusterName ${JSON.stringify(args.clusterName)} is not a Cilium cluster name; use at most 32 lower-case letters, digits and '-', e.g. west`);
    }
    const ranges: Array<{ field: string; range: CidrRange }> = [];
    const check = (field: string, value: string | undefined, example: string): void => {
        const range = value === undefined ? undefined : parseCidr(value);
        if (!range || range.family !== "ipv4") {
            problems.push(`${field} ${JSON.stringify(value)} is not an IPv4 CIDR block; write e.g. ${example}`);
        } else {
            ranges.push({ field, range });
        }
    };
    check("podCIDR", args.podCIDR, "10.1.0.0/16");
    check("serviceCIDR", args.serviceCIDR, "10.2.0.0/16");
    check("networkSubnet", args.networkSubnet ?? DEFAULT_KIND_NETWORK_SUBNET, DEFAULT_KIND_NETWORK_SUBNET);
    for (let i = 0; i < ranges.length; i++) {
        for (let j = i + 1; j < ranges.length; j++) {
            if (overlaps(ranges[i].range, ranges[j].range)) {
                problems.push(`${ranges[i].field} ${ranges[i].range.text} overlaps ${ranges[j].field} ${ranges[j].range.text}; give each a separate range`);
            }
        }
    }
    const workers = args.workers ?? 1;
    if (!Number.isInteger(workers) || workers < 0 || workers > 10) {
        problems.push(`workers ${workers} is not a whole number from 0 to 10`);
    }
    const port = args.apiServerPort ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
        problems.push(`apiServerPort ${port} is not a TCP port; use 1-65535, or 0 to let kind pick`);
    }
    if (args.network !== undefined && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(args.network)) {
        problems.push(`network ${JSON.stringify(args.network)} is not a Docker network name; use letters, digits, '_', '.' and '-', e.g. clustermesh`);
    }
    return problems;
}
