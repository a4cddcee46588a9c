import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { failOnProblems } from "../problems";

export interface TransitGatewayHubArgs {
    /** The mesh member that owns the hub (its region's lowest cluster id): names and tags. */
    clusterName: string;
    /** The region the hub serves, for the description; resources follow the provider in the options. */
    region: string;
    /** Private ASN of the Amazon side (64512-65534 or 4200000000-4294967294). Default: AWS's 64512. */
    amazonSideAsn?: number;
}

/**
 * The Transit Gateway of one region of a transit mesh, owned by the region's lowest cluster
 * id. VPC attachments are associated with and propagate into its default route table, so the
 * VPCs of the region reach each other with no static route; routes to other regions are static
 * routes to the hub peerings (TGW peerings carry no propagation), written by the mesh link.
 * Attachments are accepted automatically only from this account (`autoAcceptSharedAttachments`
 * off): a mesh spans one account.
 */
export class TransitGatewayHub extends pulumi.ComponentResource {
    public readonly transitGateway: aws.ec2transitgateway.TransitGateway;
    public readonly transitGatewayId: pulumi.Output<string>;
    /** The default route table: VPC attachments propagate here; static routes to other regions go here. */
    public readonly routeTableId: pulumi.Output<string>;

    constructor(name: string, args: TransitGatewayHubArgs, opts?: pulumi.ComponentResourceOptions) {
        failOnProblems(`TransitGatewayHub ${name}`, hubProblems(args), opts);
        super("clustermesh:network:TransitGatewayHub", name, {}, opts);
        this.transitGateway = new aws.ec2transitgateway.TransitGateway(
            `${name}-tgw`,
            {
                description: `Cilium ClusterMesh hub of ${args.region}, owned by ${args.clusterName}`,
                ...(args.amazonSideAsn !== undefined ? { amazonSideAsn: args.amazonSideAsn } : {}),
                defaultRouteTableAssociation: "enable",
                defaultRouteTablePropagation: "enable",
                autoAcceptSharedAttachments: "disable",
                dnsSupport: "enable",
                tags: { Name: `${args.clusterName}-mesh-hub`, "clustermesh/cluster": args.clusterName, "clustermesh/hub": args.region },
            },
            { parent: this },
        );
        this.transitGatewayId = this.transitGateway.id;
        this.routeTableId = this.transitGateway.associationDefaultRouteTableId;
        this.registerOutputs({ transitGatewayId: this.transitGatewayId, routeTableId: this.routeTableId });
    }
}

function hubProblems(args: TransitGatewayHubArgs): string[] {
    const asn = args.amazonSideAsn;
    if (asn === undefined || (Number.isInteger(asn) && ((asn >= 64512 && asn <= 65534) || (asn >= 4200000000 && asn <= 4294967294)))) {
        return [];
    }
    return [`amazonSideAsn ${asn} is not a private ASN (64512-65534 or 4200000000-4294967294), e.g. 64512`];
}
