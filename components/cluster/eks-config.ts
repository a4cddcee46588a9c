/**
 * Pure pieces of the EKS cluster: the kubeconfig (exec auth through `aws eks get-token`),
 * subnet carving, the node taint that keeps pods off nodes until Cilium runs, IAM trust
 * policies, and the clustermesh-apiserver's load-balancer annotations.
 */
import { stringify as toYaml } from "yaml";
import { nthAddress, parseCidr } from "../../stacks/cidr";

/** Cilium's own taint: nodes carry it until the agent is ready, so no pod lands without networking. */
export const CILIUM_AGENT_NOT_READY_TAINT = { key: "node.cilium.io/agent-not-ready", value: "true", effect: "NO_EXECUTE" } as const;

/**
 * The clustermesh-apiserver as an internal Network Load Balancer: EKS nodes come and go, so
 * peers need a stable name rather than node addresses.
 */
export const CLUSTERMESH_LB_ANNOTATIONS: Readonly<Record<string, string>> = {
    "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
    "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
};

export function kubeconfigYaml(args: { clusterName: string; eksName: string; region: string; endpoint: string; caData: string }): string {
    return toYaml({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: args.clusterName, cluster: { server: args.endpoint, "certificate-authority-data": args.caData } }],
        contexts: [{ name: args.clusterName, context: { cluster: args.clusterName, user: args.clusterName } }],
        "current-context": args.clusterName,
        users: [
            {
                name: args.clusterName,
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "aws",
                        args: ["eks", "get-token", "--cluster-name", args.eksName, "--region", args.region, "--output", "json"],
                        interactiveMode: "Never",
                    },
                },
            },
        ],
    });
}

/** Cilium's `k8sServiceHost`: the endpoint's host name, without scheme or path. */
export function apiServerHost(endpoint: string): string {
    return new URL(endpoint).hostname;
}

/** Two /20s at the start of the VPC, one per availability zone (EKS wants two zones). */
export function eksSubnetCidrs(vpcCidr: string): [string, string] {
    const vpc = parseCidr(vpcCidr);
    if (!vpc || vpc.family !== "ipv4" || vpc.prefix > 19) {
        throw new Error(`vpcCidr ${vpcCidr} must be an IPv4 block of /19 or larger (two /20 subnets)`);
    }
    return [`${nthAddress(vpc, 0)}/20`, `${nthAddress(vpc, 4096)}/20`];
}

export function assumeRolePolicy(service: "eks.amazonaws.com" | "ec2.amazonaws.com"): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: service === "eks.amazonaws.com" ? ["sts:AssumeRole", "sts:TagSession"] : ["sts:AssumeRole"] }],
    });
}
