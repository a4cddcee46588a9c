/**
 * The engine test's AWS lab (test/engine/aws-lab.ts runs it): mesh members' VPCs built by the
 * project's own components in us-west-2 and us-east-1, deployed to moto through the
 * engine-test aws provider: AwsNetwork, and ClusterMeshLink joining west and east by a VPC
 * peering (the lower id requests, accepts in the peer's region and routes both sides) and twest
 * and teast through TransitGatewayHubs (attachments, the hub peering, static routes). No
 * clusters: the link's peers are the members' stacks, read through StackReferences as the
 * program reads them. Stack `bad` asks AWS for a subnet outside its VPC, which only AWS's own
 * rules refuse; stack `dep` puts a subnet into west's VPC from another stack, as peers put
 * routes into each other's tables, so AWS refuses to delete west's VPC before it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { nodePortEndpoint, type MemberNetworkOutputs, type TransitGatewayOutputs } from "../../../lib/contract";
import { AwsNetwork } from "../../../components/network/aws-network";
import { TransitGatewayHub } from "../../../components/network/transit-gateway-hub";
import { offeredZones } from "../../../components/network/zones";
import { ClusterMeshLink } from "../../../components/mesh/clustermesh-link";
import type { LinkMember } from "../../../components/mesh/mesh-network";
import { BAD_VPC, DEP_SUBNET, LAB_INSTANCE_TYPE, LAB_MEMBERS, type LabMemberName } from "./lab";

const stack = pulumi.getStack();
const provider = new aws.Provider("lab-aws", { region: new pulumi.Config("aws").require<aws.Region>("region") });

function member(name: LabMemberName): LinkMember {
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

function labMember(name: LabMemberName): Record<string, unknown> {
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
    const peers = (Object.keys(LAB_MEMBERS) as LabMemberName[]).filter((p) => p !== name && LAB_MEMBERS[p].topology === m.topology).map(member);
    const transit = m.topology === "transit-gateway";
    // Each transit member is the lowest id of its region, so it owns that region's hub.
    const hub = transit ? new TransitGatewayHub(`${name}-hub`, { clusterName: name, region: m.region, amazonSideAsn: 64512 + m.id }, { provider }) : undefined;
    const link = new ClusterMeshLink(
        `${name}-link`,
        {
            self: member(name),
            peers,
            // Peering: only the owner of the pair (the lower id) reads its peer, so west links at
            // once (east is deployed first). Transit: every member attaches only once linked, so
            // both start unlinked and the test sets link (README: Bootstrap order).
            link: transit ? new pulumi.Config().getBoolean("link") ?? false : peers.some((p) => p.id > m.id),
            stackPrefix: `${pulumi.getOrganization()}/${pulumi.getProject()}`,
            network: { securityGroupId: nodes.id, vpcId: network.vpcId, routeTableId: network.routeTableId, subnetIds: network.subnetIds },
            awsProvider: provider,
            topology: m.topology,
            ownHub: hub ? { transitGatewayId: hub.transitGatewayId, routeTableId: hub.routeTableId } : undefined,
        },
        { provider },
    );
    return {
        clustermeshEndpoint: nodePortEndpoint(name, ["192.0.2.1"], 32379),
        network: pulumi.output({ vpcId: network.vpcId, vpcCidr: network.vpcCidr, routeTableId: network.routeTableId, region: m.region, securityGroupId: nodes.id }) satisfies pulumi.Output<MemberNetworkOutputs>,
        subnetIds: network.subnetIds,
        linkedPeers: link.linkedPeers,
        transitGateway: hub ? (pulumi.output({ id: hub.transitGatewayId, routeTableId: hub.routeTableId, region: m.region }) satisfies pulumi.Output<TransitGatewayOutputs>) : undefined,
    };
}

function badSubnet(): Record<string, unknown> {
    const vpc = new aws.ec2.Vpc("bad-vpc", { cidrBlock: BAD_VPC.vpcCidr, tags: { Name: "bad" } }, { provider });
    const subnet = new aws.ec2.Subnet("bad-subnet", { vpcId: vpc.id, cidrBlock: BAD_VPC.subnetCidr, tags: { Name: "bad" } }, { provider });
    return { vpcId: vpc.id, subnetId: subnet.id };
}

function dependentSubnet(): Record<string, unknown> {
    const west = new pulumi.StackReference("west-ref", { name: `${pulumi.getOrganization()}/${pulumi.getProject()}/west` });
    const network = west.requireOutput("network") as pulumi.Output<MemberNetworkOutputs>;
    const subnet = new aws.ec2.Subnet("dep-subnet", { vpcId: network.vpcId, cidrBlock: DEP_SUBNET.cidr, availabilityZone: DEP_SUBNET.zone, tags: { Name: "dep" } }, { provider });
    return { subnetId: subnet.id };
}

const outputs = stack === "bad" ? badSubnet() : stack === "dep" ? dependentSubnet() : stack in LAB_MEMBERS ? labMember(stack as LabMemberName) : undefined;
if (!outputs) throw new Error(`stack ${stack} is not one of the lab's (${Object.keys(LAB_MEMBERS).join(", ")}, bad, dep)`);
export const clustermeshEndpoint = outputs.clustermeshEndpoint;
export const network = outputs.network;
export const subnetIds = outputs.subnetIds;
export const linkedPeers = outputs.linkedPeers;
export const transitGateway = outputs.transitGateway;
export const vpcId = outputs.vpcId;
export const subnetId = outputs.subnetId;
