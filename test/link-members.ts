/**
 * Test support: mesh members as the link sees them, written as plain values (no stack files),
 * the way a consumer of the components would. Member `id` gets VPC 10.<id*10>.0.0/16 and pods
 * 10.<id*10+1>.0.0/16, like the hand-run layout.
 */
import type { LinkMember } from "../components/mesh/mesh-network";

const tunnel = { routingMode: "tunnel", tunnelProtocol: "vxlan", ipam: "cluster-pool" } as const;

/** An AWS-built member of the link, in `region`. */
export function awsLinkMember(name: string, id: number, region: string): LinkMember {
    return {
        name,
        id,
        stack: name,
        file: `Pulumi.${name}.yaml`,
        podCidr: `10.${id * 10 + 1}.0.0/16`,
        apiserverNodePort: 32379,
        datapath: tunnel,
        aws: { region, vpcCidr: `10.${id * 10}.0.0/16` },
        hostAddresses: [],
    };
}
