/**
 * What a validated member is built as: one case per kind of cluster, each with exactly the
 * fields that apply, required. The config files keep optional fields (a k3s member on an
 * existing host has no region or VPC); validation proves the fields each kind needs are there,
 * and this view carries that proof to the program, so nothing downstream asserts non-null.
 */
import type { MeshMember } from "./load";
import type { EksConfig, ExistingHost, K3sConfig, KindConfig } from "./schema";

/** An AWS-built member's placement. */
export interface AwsPlacement {
    readonly region: string;
    readonly vpcCIDR: string;
}

export type MemberBuild =
    | { readonly kind: "eks"; readonly aws: AwsPlacement; readonly eks: EksConfig }
    | { readonly kind: "k3s-ec2"; readonly aws: AwsPlacement; readonly k3s: K3sConfig }
    | { readonly kind: "k3s-host"; readonly host: ExistingHost; readonly agentHosts: readonly ExistingHost[]; readonly k3s: K3sConfig }
    | { readonly kind: "kind"; readonly nodes: KindConfig };

/** True when the member's nodes are built on AWS (EKS, or k3s on new EC2 VMs). */
export function isAwsBuilt(member: MeshMember): boolean {
    return member.cluster.kind === "eks" || (member.cluster.kind === "k3s" && member.k3s.host === undefined);
}

/**
 * The build of a member that passed validation. Throws when a field its kind needs is missing,
 * which validation reports first (`clustermesh:cluster.region`, `vpcCIDR`).
 */
export function memberBuild(member: MeshMember): MemberBuild {
    const { region, vpcCIDR } = member.cluster;
    const aws = region !== undefined && vpcCIDR !== undefined ? { region, vpcCIDR } : undefined;
    if (member.cluster.kind === "kind") {
        return { kind: "kind", nodes: member.kind };
    }
    if (member.cluster.kind === "k3s" && member.k3s.host !== undefined) {
        return { kind: "k3s-host", host: member.k3s.host, agentHosts: member.k3s.agentHosts, k3s: member.k3s };
    }
    if (!aws) {
        throw new Error(`${member.file}: clustermesh:cluster.region and vpcCIDR are required for a cluster built on AWS; validate the mesh first`);
    }
    return member.cluster.kind === "eks" ? { kind: "eks", aws, eks: member.eks } : { kind: "k3s-ec2", aws, k3s: member.k3s };
}

/** The member's AWS placement, or undefined when it runs on existing hosts. */
export function awsPlacement(member: MeshMember): AwsPlacement | undefined {
    const build = memberBuild(member);
    return build.kind === "k3s-host" || build.kind === "kind" ? undefined : build.aws;
}
