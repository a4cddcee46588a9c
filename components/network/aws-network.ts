import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { parseCidr } from "../../lib/cidr";
import { failOnProblems } from "../problems";

/** One public subnet of the network. */
export interface AwsSubnetArgs {
    /** Role in the child's name: the subnet is `${name}-${role}`. */
    role: string;
    /** Role of its route-table association: `${name}-${associationRole}`. */
    associationRole: string;
    /** The subnet's CIDR, inside the VPC's. */
    cidrBlock: string;
    /** Availability zone of the subnet. */
    availabilityZone: pulumi.Input<string>;
    /** Tags besides `Name` and `clustermesh/cluster` (e.g. the load-balancer subnet tags EKS needs). Default none. */
    tags?: Record<string, string>;
    /** `Name` tag role: the tag is `<clusterName>-<nameTag>`. Default: `role`. */
    nameTag?: string;
}

export interface AwsNetworkArgs {
    /** The mesh member the network belongs to: tags every child `Name: <clusterName>-<role>` and `clustermesh/cluster`. */
    clusterName: string;
    /** CIDR of the new VPC (IPv4, /16 to /28). Must not overlap any other network of the mesh. */
    vpcCidr: string;
    /** The public subnets: each gets a public IP on launch and the route table's internet route. At least one. */
    subnets: AwsSubnetArgs[];
    /**
     * Where these resources were parented before this component existed (the cluster component):
     * aliases keep their URNs, so a stack deployed before the move is not replaced. Default none.
     */
    formerParent?: pulumi.Resource;
}

/**
 * The VPC side of a mesh member built on AWS, the same for every cluster kind: a VPC with DNS,
 * an internet gateway, one route table with the default route, and public subnets associated
 * with it. Routes to peers (VPC peering or a Transit Gateway attachment) are added to
 * `routeTableId` by the mesh link as separate resources, never inline, so the table is shared
 * without fights. Children keep the names they had inside the cluster components.
 */
export class AwsNetwork extends pulumi.ComponentResource {
    public readonly vpcId: pulumi.Output<string>;
    /** The VPC's CIDR, for peers' routes and security-group rules. */
    public readonly vpcCidr: pulumi.Output<string>;
    /** The route table of every subnet: where routes to peered VPCs or a Transit Gateway go. */
    public readonly routeTableId: pulumi.Output<string>;
    /** The subnets, in the order of `args.subnets`. */
    public readonly subnetIds: pulumi.Output<string>[];
    public readonly internetGatewayId: pulumi.Output<string>;
    /**
     * What nodes need before they boot: the internet route and the subnets' associations (the
     * k3s download and image pulls leave through them).
     */
    public readonly ready: pulumi.Resource[];
    /** The internet gateway, for resources AWS requires it before (an EIP association). */
    public readonly internetGateway: aws.ec2.InternetGateway;

    constructor(name: string, args: AwsNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        failOnProblems(`AwsNetwork ${name}`, networkProblems(args), opts);
        super("clustermesh:network:AwsNetwork", name, {}, opts);
        const child: pulumi.CustomResourceOptions = { parent: this, ...(args.formerParent ? { aliases: [{ parent: args.formerParent }] } : {}) };
        const tags = (role: string): Record<string, string> => ({ Name: `${args.clusterName}-${role}`, "clustermesh/cluster": args.clusterName });

        const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: args.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: tags("vpc") }, child);
        this.internetGateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tags("igw") }, child);
        // No inline routes: the mesh link adds peering or transit routes as separate resources.
        const routes = new aws.ec2.RouteTable(`${name}-routes`, { vpcId: vpc.id, tags: tags("routes") }, child);
        const defaultRoute = new aws.ec2.Route(
            `${name}-default-route`,
            { routeTableId: routes.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: this.internetGateway.id },
            child,
        );
        const associations: aws.ec2.RouteTableAssociation[] = [];
        this.subnetIds = args.subnets.map((subnet) => {
            const created = new aws.ec2.Subnet(
                `${name}-${subnet.role}`,
                {
                    vpcId: vpc.id,
                    cidrBlock: subnet.cidrBlock,
                    availabilityZone: subnet.availabilityZone,
                    // Public addresses give nodes egress (k3s download, ECR, EKS) without a NAT gateway.
                    mapPublicIpOnLaunch: true,
                    tags: { ...tags(subnet.nameTag ?? subnet.role), ...subnet.tags },
                },
                child,
            );
            associations.push(new aws.ec2.RouteTableAssociation(`${name}-${subnet.associationRole}`, { routeTableId: routes.id, subnetId: created.id }, child));
            return created.id;
        });
        this.vpcId = vpc.id;
        this.vpcCidr = vpc.cidrBlock;
        this.routeTableId = routes.id;
        this.internetGatewayId = this.internetGateway.id;
        this.ready = [defaultRoute, ...associations];
        this.registerOutputs({ vpcId: this.vpcId, vpcCidr: this.vpcCidr, routeTableId: this.routeTableId, subnetIds: this.subnetIds });
    }
}

function networkProblems(args: AwsNetworkArgs): string[] {
    const problems: string[] = [];
    const vpc = parseCidr(args.vpcCidr);
    if (!vpc || vpc.family !== "ipv4" || vpc.prefix < 16 || vpc.prefix > 28) {
        problems.push(`vpcCidr ${args.vpcCidr} must be an IPv4 block from /16 to /28 (AWS's VPC sizes), e.g. 10.10.0.0/16`);
    }
    if (args.subnets.length === 0) {
        problems.push("subnets is empty; a network needs at least one subnet for its nodes");
    }
    for (const subnet of args.subnets) {
        const range = parseCidr(subnet.cidrBlock);
        if (!range || (vpc && (range.family !== vpc.family || range.prefix < vpc.prefix || range.first < vpc.first || range.last > vpc.last))) {
            problems.push(`subnet ${subnet.role} ${subnet.cidrBlock} is not a block inside vpcCidr ${args.vpcCidr}`);
        }
    }
    return problems;
}
