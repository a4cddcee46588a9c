/**
 * The engine test's AWS lab (test/engine/aws-lab.ts runs it): two mesh members' VPCs built by
 * the project's own components, AwsNetwork and ClusterMeshLink (its VPC peering: the lower id
 * requests, accepts in the peer's region and routes both sides), in us-west-2 and us-east-1,
 * deployed to moto through the engine-test aws provider. No clusters: the link's peers are the
 * members' stacks, read through StackReferences as the program reads them. Stack `bad` asks
 * AWS for a subnet outside its VPC, which only AWS's own rules refuse.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { nodePortEndpoint, type MemberNetworkOutputs } from "../../../lib/contract";
import { AwsNetwork } from "../../../components/network/aws-network";
import { offeredZones } from "../../../components/network/zones";
import { ClusterMeshLink } from "../../../components/mesh/clustermesh-link";
import type { LinkMember } from "../../../components/mesh/mesh-network";
import { BAD_VPC, LAB_INSTANCE_TYPE, LAB_MEMBERS } from "./lab";

const stack = pulumi.getStack();
const provider = new aws.Provider("lab-aws", { region: new pulumi.Config("aws").require<aws.Region>("region") });

function member(name: keyof typeof LAB_MEMBERS): LinkMember {
    const m = LAB_MEMBERS[name];
    return {
        name,
        id: m.id,
        stack: name,
        file: `test/engine/aws-lab/Pulumi.${name}.yaml`,
        podCidr: m.podCidr,
        apiserverNodePort: 32379,
        datapath: { routingMode: "tunnel", tunnelProtocol: "vxlan", ipam: "cluster-pool" },
        aws: { region: m.region, vpcCidr: m.vpcCidr },
        hostAddresses: [],
    };
}

function labMember(name: keyof typeof LAB_MEMBERS): Record<string, unknown> {
    const m = LAB_MEMBERS[name];
    // Placement as the clusters do it, from moto's region data (real zone names and gaps).
    const zones = offeredZones([LAB_INSTANCE_TYPE], m.subnets.length, { provider });
    const network = new AwsNetwork(
        name,
        {
            clusterName: name,
            vpcCidr: m.vpcCidr,
            subnets: m.subnets.map((cidrBlock, i) => ({ role: `public-${i}`, associationRole: `public-${i}-routes`, cidrBlock, availabilityZone: zones.apply((z) => z[i]) })),
        },
        { provider },
    );
    const nodes = new aws.ec2.SecurityGroup(`${name}-nodes-sg`, { vpcId: network.vpcId, description: `nodes of ${name}`, tags: { Name: `${name}-nodes` } }, { parent: network, provider });
    // The nodes' own rules as K3sCluster declares them: all traffic inside the VPC, and the
    // allow-all egress back (AWS adds one to every new group, which the AWS provider removes;
    // declared while it is still there, it would be InvalidPermission.Duplicate).
    new aws.vpc.SecurityGroupIngressRule(`${name}-intra-vpc`, { securityGroupId: nodes.id, description: "all traffic between the nodes", ipProtocol: "-1", cidrIpv4: m.vpcCidr, tags: { Name: `${name}-intra-vpc` } }, { parent: nodes, provider });
    new aws.vpc.SecurityGroupEgressRule(`${name}-egress`, { securityGroupId: nodes.id, description: "all egress", ipProtocol: "-1", cidrIpv4: "0.0.0.0/0", tags: { Name: `${name}-egress` } }, { parent: nodes, provider });
    const peers = (Object.keys(LAB_MEMBERS) as Array<keyof typeof LAB_MEMBERS>).filter((p) => p !== name).map(member);
    const link = new ClusterMeshLink(
        `${name}-link`,
        {
            self: member(name),
            peers,
            // Only the owner of the pair (the lower id) reads its peer: east has nothing to read
            // from west, and west is deployed after east.
            link: peers.some((p) => p.id > m.id),
            stackPrefix: `${pulumi.getOrganization()}/${pulumi.getProject()}`,
            network: { securityGroupId: nodes.id, vpcId: network.vpcId, routeTableId: network.routeTableId, subnetIds: network.subnetIds },
            awsProvider: provider,
        },
        { provider },
    );
    return {
        clustermeshEndpoint: nodePortEndpoint(name, ["192.0.2.1"], 32379),
        network: pulumi.output({ vpcId: network.vpcId, vpcCidr: network.vpcCidr, routeTableId: network.routeTableId, region: m.region, securityGroupId: nodes.id }) satisfies pulumi.Output<MemberNetworkOutputs>,
        subnetIds: network.subnetIds,
        linkedPeers: link.linkedPeers,
    };
}

function badSubnet(): Record<string, unknown> {
    const vpc = new aws.ec2.Vpc("bad-vpc", { cidrBlock: BAD_VPC.vpcCidr, tags: { Name: "bad" } }, { provider });
    const subnet = new aws.ec2.Subnet("bad-subnet", { vpcId: vpc.id, cidrBlock: BAD_VPC.subnetCidr, tags: { Name: "bad" } }, { provider });
    return { vpcId: vpc.id, subnetId: subnet.id };
}

const outputs = stack === "bad" ? badSubnet() : stack === "west" || stack === "east" ? labMember(stack) : undefined;
if (!outputs) throw new Error(`stack ${stack} is not one of the lab's (west, east, bad)`);
export const clustermeshEndpoint = outputs.clustermeshEndpoint;
export const network = outputs.network;
export const subnetIds = outputs.subnetIds;
export const linkedPeers = outputs.linkedPeers;
export const vpcId = outputs.vpcId;
export const subnetId = outputs.subnetId;
