/**
 * The one place the validated stack config (stacks/) becomes the components' `Args`
 * (components/). index.ts composes the stack from these; tests use the same mapping, so a
 * component under test sees exactly what the program gives it. Neither layer imports the other.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { BgpSettings, EksClusterArgs, K3sClusterArgs, KindClusterArgs, LinkMember } from "./components";
import { memberBuild, type MeshMember } from "./stacks";

/** A member as the mesh link sees it. */
export function linkMember(member: MeshMember): LinkMember {
    const build = memberBuild(member);
    return {
        name: member.cluster.name,
        id: member.cluster.id,
        stack: member.stack,
        file: member.file,
        podCidr: member.cluster.podCIDR,
        apiserverNodePort: member.cilium.apiserverNodePort,
        datapath: { routingMode: member.cilium.routingMode, tunnelProtocol: member.cilium.tunnelProtocol, ipam: member.cilium.ipam },
        ...(build.kind === "k3s-host"
            ? { hostAddresses: [build.host, ...build.agentHosts].map((h) => h.privateAddress ?? h.address) }
            : build.kind === "kind"
              ? // Node containers get their addresses from Docker; the shared network needs no rules.
                { hostAddresses: [] }
              : { aws: { region: build.aws.region, vpcCidr: build.aws.vpcCIDR }, hostAddresses: [] }),
        ...(build.kind === "eks" ? { loadBalancer: true } : {}),
    };
}

/** The cluster component to build and its arguments. */
export type ClusterSpec =
    | { readonly kind: "eks"; readonly args: EksClusterArgs }
    | { readonly kind: "k3s"; readonly args: K3sClusterArgs }
    | { readonly kind: "kind"; readonly args: KindClusterArgs };

/** The member's BGP settings, or undefined when BGP is off. Validation proves `localASN` is set when it is on. */
export function bgpSettings(member: MeshMember): BgpSettings | undefined {
    const { bgp } = member;
    if (!bgp.enabled || bgp.localASN === undefined) {
        return undefined;
    }
    return {
        localASN: bgp.localASN,
        peers: bgp.peers.map((p) => ({ name: p.name, address: p.address, asn: p.asn, authenticated: p.authenticated, ...(p.ebgpMultihop !== undefined ? { ebgpMultihop: p.ebgpMultihop } : {}) })),
        advertise: { podCIDRs: bgp.advertise.podCIDRs, loadBalancerIPs: bgp.advertise.loadBalancerIPs },
        ...(bgp.loadBalancerPool !== undefined ? { loadBalancerPool: bgp.loadBalancerPool } : {}),
    };
}

/** The cluster component of a member; `sshPrivateKey` is read only for members on existing hosts. */
export function clusterSpec(member: MeshMember, sshPrivateKey: () => pulumi.Output<string>): ClusterSpec {
    const build = memberBuild(member);
    const { cluster, cilium } = member;
    switch (build.kind) {
        case "kind":
            return {
                kind: "kind",
                args: {
                    clusterName: cluster.name,
                    podCIDR: cluster.podCIDR,
                    serviceCIDR: cluster.serviceCIDR,
                    workers: build.nodes.workers,
                    nodeImage: build.nodes.nodeImage,
                    kubeProxyReplacement: cilium.kubeProxyReplacement,
                    network: build.nodes.network,
                    networkSubnet: build.nodes.networkSubnet,
                    ...(build.nodes.apiServerPort > 0 ? { apiServerPort: build.nodes.apiServerPort } : {}),
                },
            };
        case "eks":
            return {
                kind: "eks",
                args: {
                    clusterName: cluster.name,
                    region: build.aws.region,
                    vpcCidr: build.aws.vpcCIDR,
                    serviceCidr: cluster.serviceCIDR,
                    kubernetesVersion: build.eks.version,
                    instanceType: build.eks.instanceType,
                    desiredSize: build.eks.desiredSize,
                    minSize: build.eks.minSize,
                    maxSize: build.eks.maxSize,
                    operatorCidrs: cluster.operatorCIDRs,
                    eniIpam: cilium.ipam === "eni",
                    clustersetDns: cilium.mcsAPI,
                    secretsEncryption: build.eks.encryptSecrets ? { kmsKeyArn: build.eks.kmsKeyArn } : undefined,
                    enabledLogTypes: build.eks.logTypes,
                },
            };
        case "k3s-ec2":
        case "k3s-host": {
            const common = {
                clusterName: cluster.name,
                podCIDR: cluster.podCIDR,
                serviceCIDR: cluster.serviceCIDR,
                version: build.k3s.version,
                kubeProxyReplacement: cilium.kubeProxyReplacement,
            };
            return {
                kind: "k3s",
                args:
                    build.kind === "k3s-host"
                        ? { ...common, host: { ...build.host, privateKey: sshPrivateKey() }, agentHosts: [...build.agentHosts] }
                        : {
                              ...common,
                              ec2: {
                                  vpcCidr: build.aws.vpcCIDR,
                                  instanceType: build.k3s.instanceType,
                                  agents: build.k3s.agents,
                                  operatorCidrs: cluster.operatorCIDRs,
                              },
                          },
            };
        }
    }
}
