/**
 * The AWS lab's plan, shared by its program (./index.ts) and the engine test that checks what
 * moto holds afterwards (../aws-lab.ts): in a module of its own, since everything the program
 * module exports becomes a stack output.
 */

/**
 * The lab's members, one stack each: non-overlapping VPCs in two regions (and pod ranges, which
 * the link's rules need). west and east are joined by a VPC peering; twest and teast by their
 * regions' Transit Gateways (each owns its region's hub; twest, the lower id, peers the hubs).
 */
export const LAB_MEMBERS = {
    west: { id: 1, region: "us-west-2", vpcCidr: "10.41.0.0/16", subnets: ["10.41.0.0/24", "10.41.1.0/24"], podCidr: "10.141.0.0/16", topology: "peering" },
    east: { id: 2, region: "us-east-1", vpcCidr: "10.42.0.0/16", subnets: ["10.42.0.0/24", "10.42.1.0/24"], podCidr: "10.142.0.0/16", topology: "peering" },
    twest: { id: 1, region: "us-west-2", vpcCidr: "10.51.0.0/16", subnets: ["10.51.0.0/24", "10.51.1.0/24"], podCidr: "10.151.0.0/16", topology: "transit-gateway" },
    teast: { id: 2, region: "us-east-1", vpcCidr: "10.52.0.0/16", subnets: ["10.52.0.0/24", "10.52.1.0/24"], podCidr: "10.152.0.0/16", topology: "transit-gateway" },
} as const;

export type LabMemberName = keyof typeof LAB_MEMBERS;

/** Stack `bad`: a VPC and a subnet whose range is outside it. */
export const BAD_VPC = { vpcCidr: "10.43.0.0/16", subnetCidr: "10.44.0.0/24" } as const;

/** The instance type the subnets' zones must offer (placement, components/network/zones.ts). */
export const LAB_INSTANCE_TYPE = "t3.medium";

/** Stack `dep`: a subnet of its own in west's VPC (read through a StackReference), so west's VPC cannot go first. */
export const DEP_SUBNET = { cidr: "10.41.200.0/24", zone: "us-west-2a" } as const;
