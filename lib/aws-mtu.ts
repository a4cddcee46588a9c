/**
 * The MTU of the paths between AWS-built members, and the device MTU Cilium is told to use so
 * its tunnel and pod routes fit the narrowest one. EC2 interfaces carry 9001 bytes; a Transit
 * Gateway and inter-region VPC peering carry 8500, and drop larger packets without the ICMP
 * "fragmentation needed" path-MTU discovery relies on (TCP survives: the Transit Gateway clamps
 * its MSS; VXLAN/Geneve UDP and pod UDP do not). Cilium sizes its routes from the device MTU it
 * detects (9001), so across such a path it must be given 8500 (`MTU`). Same-region peering keeps
 * 9001 and Cilium's own detection.
 *
 * Neutral: imports nothing of the project but lib/.
 */

export interface PathMtu {
    readonly mtu: number;
    readonly source: string;
}

export const AWS_PATH_MTU = {
    ec2: { mtu: 9001, source: "Amazon EC2 User Guide, Network maximum transmission unit (MTU) for your EC2 instance: jumbo frames, 9001" },
    intraRegionPeering: { mtu: 9001, source: "Amazon VPC Peering Guide: peering in one Region supports jumbo frames (9001)" },
    interRegionPeering: { mtu: 8500, source: "Amazon EC2 User Guide, MTU: traffic over an inter-Region VPC peering connection, 8500" },
    transitGateway: { mtu: 8500, source: "AWS Transit Gateway Guide, Transit gateway MTU: 8500 between VPCs and peering attachments; larger packets are dropped, no FRAG_NEEDED" },
} as const satisfies Record<string, PathMtu>;

/**
 * The device MTU to give Cilium on an AWS-built member in `region` whose AWS peers are in
 * `peerRegions`, joined by `topology`; undefined where every path carries EC2's own MTU.
 */
export function meshDeviceMtu(topology: "peering" | "transit-gateway", region: string, peerRegions: readonly string[]): number | undefined {
    if (peerRegions.length === 0) {
        return undefined;
    }
    const paths = peerRegions.map((r) => (topology === "transit-gateway" ? AWS_PATH_MTU.transitGateway : r === region ? AWS_PATH_MTU.intraRegionPeering : AWS_PATH_MTU.interRegionPeering));
    const narrowest = Math.min(...paths.map((p) => p.mtu));
    return narrowest < AWS_PATH_MTU.ec2.mtu ? narrowest : undefined;
}
