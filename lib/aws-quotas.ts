/**
 * AWS service quotas that fail a deploy when passed (DESIGN §7). Defaults are AWS's; a raised
 * quota is declared in config (`clustermesh:network.quotas`) and never assumed. `max` is the
 * most AWS grants on request, so a declared value above it is refused.
 */
export interface AwsQuota {
    /** AWS's default. */
    readonly default: number;
    /** The most AWS grants after a quota increase. */
    readonly max: number;
    /** What it limits, for messages. */
    readonly what: string;
}

export const AWS_QUOTAS = {
    /** Inbound (and, separately, outbound) rules per security group; a rule referencing a customer-managed prefix list counts as its maxEntries. */
    securityGroupRules: { default: 60, max: 1000, what: "inbound rules per security group" },
    /** Active VPC peering connections per VPC. */
    vpcPeeringsPerVpc: { default: 50, max: 125, what: "active VPC peering connections per VPC" },
    /** Routes per VPC route table (non-propagated). */
    routesPerRouteTable: { default: 50, max: 1000, what: "routes per VPC route table" },
    /** Transit Gateway peering attachments per Transit Gateway. */
    transitGatewayPeeringsPerHub: { default: 50, max: 50, what: "peering attachments per Transit Gateway" },
    /** Routes per Transit Gateway route table (static and propagated). */
    routesPerTransitGatewayRouteTable: { default: 10000, max: 10000, what: "routes per Transit Gateway route table" },
    /** Attachments per Transit Gateway. */
    attachmentsPerTransitGateway: { default: 5000, max: 5000, what: "attachments per Transit Gateway" },
} as const satisfies Record<string, AwsQuota>;

export type AwsQuotaName = keyof typeof AWS_QUOTAS;
