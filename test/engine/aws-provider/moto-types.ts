/**
 * The EC2 types the engine-test `aws` provider creates in moto when
 * `CLUSTERMESH_ENGINE_MOTO_ENDPOINT` is set (see ./moto.ts): each one's create, delete and
 * existence check as the Terraform provider behind pulumi-aws makes them
 * (hashicorp/terraform-provider-aws, internal/service/ec2), so AWS's rules are moto's, not ours.
 * Ids are moto's; what AWS computes comes from moto's answers. Every other type stays on the
 * deterministic path of ./main.ts.
 */
import { type Props, ProviderError, str } from "../providers/server";
import { ACCOUNT_ID, hash } from "./data-sources";
import { AwsError, type Ec2Call, type Params, filterParams, listParams, tagEntries, tagSpecification } from "./moto";

export interface MotoContext {
    readonly ec2: Ec2Call;
    readonly region: string;
    readonly urn: string;
}

export interface MotoType {
    /** The EC2 resource type of a TagSpecification, when the id can carry tags (CreateTags on update). */
    readonly tags?: string;
    /** Creates the resource; `outs` are the outputs AWS computed (the inputs are added by the caller). */
    create(inputs: Props, ctx: MotoContext): Promise<{ id: string; outs: Props }>;
    delete(id: string, outs: Props, ctx: MotoContext): Promise<void>;
    /** Whether the resource still exists (a refresh drops it otherwise). */
    exists?(id: string, outs: Props, ctx: MotoContext): Promise<boolean>;
    /** What AWS computes now, for a refresh; undefined when it is gone. Instead of `exists`. */
    current?(id: string, outs: Props, ctx: MotoContext): Promise<Props | undefined>;
}

type Obj = Record<string, unknown>;

/** A nested field of a parsed response (`at(r, "vpc", "vpcId")`), as an object. */
function at(value: unknown, ...keys: string[]): Obj {
    let v = value;
    for (const k of keys) v = v !== null && typeof v === "object" ? (v as Obj)[k] : undefined;
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {};
}

function list(value: unknown, key: string): Obj[] {
    const v = value !== null && typeof value === "object" ? (value as Obj)[key] : undefined;
    return Array.isArray(v) ? (v as Obj[]) : [];
}

function text(value: Obj, key: string): string {
    return str(value[key]);
}

const bool = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v === true || v === "true"));

function arn(region: string, kind: string, id: string): string {
    return `arn:aws:ec2:${region}:${ACCOUNT_ID}:${kind}/${id}`;
}

/** Whether a describe by id finds it: EC2 answers an unknown id with `<Type>.NotFound` (or `InvalidID`). */
async function found(describe: () => Promise<Obj>, setKey: string): Promise<boolean> {
    try {
        return list(await describe(), setKey).length > 0;
    } catch (e) {
        if (e instanceof AwsError && /NotFound|InvalidID|Malformed/.test(e.code)) return false;
        throw e;
    }
}

/** Whether a describe by id finds it in a state other than deleted (EC2 lists deleted transit gateways and attachments a while). */
async function live(ctx: MotoContext, action: string, params: Params, setKey: string): Promise<boolean> {
    return found(async () => ({ [setKey]: list(await ctx.ec2(ctx.region, action, params), setKey).filter((x) => !/^(deleted|deleting)$/.test(text(x, "state"))) }), setKey);
}

/** The first of a describe's set, or a failure naming what was looked for. */
async function only(ctx: MotoContext, action: string, params: Params, setKey: string): Promise<Obj> {
    const first = list(await ctx.ec2(ctx.region, action, params), setKey)[0];
    if (!first) throw new ProviderError(`${action} in ${ctx.region} found nothing for ${JSON.stringify(params)}`);
    return first;
}

/** One `IpPermissions.1` of a vpc.SecurityGroupIngressRule/EgressRule (one source each, as the resource allows). */
function ipPermission(inputs: Props): Record<string, string> {
    const p = "IpPermissions.1";
    const out: Record<string, string> = { [`${p}.IpProtocol`]: str(inputs.ipProtocol) };
    // Protocol -1 (all) takes no ports (the resource forbids them; EC2 ignores them).
    if (str(inputs.ipProtocol) !== "-1") {
        if (inputs.fromPort !== undefined) out[`${p}.FromPort`] = str(inputs.fromPort);
        if (inputs.toPort !== undefined) out[`${p}.ToPort`] = str(inputs.toPort);
    }
    const description = inputs.description === undefined ? {} : { Description: str(inputs.description) };
    const source = (key: string, fields: Record<string, string>) => {
        for (const [k, v] of Object.entries({ ...fields, ...description })) out[`${p}.${key}.1.${k}`] = v;
    };
    if (inputs.cidrIpv4 !== undefined) source("IpRanges", { CidrIp: str(inputs.cidrIpv4) });
    else if (inputs.cidrIpv6 !== undefined) source("Ipv6Ranges", { CidrIpv6: str(inputs.cidrIpv6) });
    else if (inputs.prefixListId !== undefined) source("PrefixListIds", { PrefixListId: str(inputs.prefixListId) });
    else if (inputs.referencedSecurityGroupId !== undefined) source("Groups", { GroupId: str(inputs.referencedSecurityGroupId) });
    else throw new ProviderError("one of cidrIpv4, cidrIpv6, prefixListId or referencedSecurityGroupId is required");
    return out;
}

function securityGroupRule(direction: "Ingress" | "Egress"): MotoType {
    return {
        tags: "security-group-rule",
        async create(inputs, ctx) {
            const r = await ctx.ec2(ctx.region, `AuthorizeSecurityGroup${direction}`, { GroupId: str(inputs.securityGroupId), ...ipPermission(inputs), ...tagSpecification("security-group-rule", inputs.tags) });
            const rule = list(r, "securityGroupRuleSet")[0];
            if (!rule) throw new ProviderError(`AuthorizeSecurityGroup${direction} answered no rule`);
            const id = text(rule, "securityGroupRuleId");
            return { id, outs: { securityGroupRuleId: id, arn: arn(ctx.region, "security-group-rule", id), tagsAll: inputs.tags ?? {} } };
        },
        async delete(id, outs, ctx) {
            await ctx.ec2(ctx.region, `RevokeSecurityGroup${direction}`, { GroupId: str(outs.securityGroupId), ...listParams("SecurityGroupRuleId", [id]) });
        },
        exists: (id, _outs, ctx) => found(() => ctx.ec2(ctx.region, "DescribeSecurityGroupRules", listParams("SecurityGroupRuleId", [id])), "securityGroupRuleSet"),
    };
}

/** What a VpcPeeringConnection or its accepter reads back (terraform-provider-aws shares one read for both). */
async function peering(ctx: MotoContext, id: string): Promise<Obj> {
    return only(ctx, "DescribeVpcPeeringConnections", listParams("VpcPeeringConnectionId", [id]), "vpcPeeringConnectionSet");
}

/** A peering's acceptStatus now, or undefined once it is gone (deleted, rejected, failed, expired). */
async function peeringStatus(ctx: MotoContext, id: string): Promise<Props | undefined> {
    let code: string;
    try {
        code = text(at(await peering(ctx, id), "status"), "code");
    } catch (e) {
        if (e instanceof ProviderError && (!(e instanceof AwsError) || /NotFound/.test(e.code))) return undefined;
        throw e;
    }
    return ["deleted", "rejected", "failed", "expired"].includes(code) ? undefined : { acceptStatus: code };
}

export const MOTO_TYPES: Readonly<Record<string, MotoType>> = {
    "aws:ec2/vpc:Vpc": {
        tags: "vpc",
        async create(inputs, ctx) {
            const r = await ctx.ec2(ctx.region, "CreateVpc", { CidrBlock: str(inputs.cidrBlock), InstanceTenancy: inputs.instanceTenancy as string | undefined, ...tagSpecification("vpc", inputs.tags) });
            const vpc = at(r, "vpc");
            const id = text(vpc, "vpcId");
            // One attribute per ModifyVpcAttribute call (EC2's rule), as the Terraform provider does.
            for (const [attr, input] of [["EnableDnsSupport", "enableDnsSupport"], ["EnableDnsHostnames", "enableDnsHostnames"]] as const) {
                const v = bool(inputs[input]);
                if (v !== undefined) await ctx.ec2(ctx.region, "ModifyVpcAttribute", { VpcId: id, [`${attr}.Value`]: v });
            }
            const main = await only(ctx, "DescribeRouteTables", filterParams({ "vpc-id": [id], "association.main": ["true"] }), "routeTableSet");
            const sg = await only(ctx, "DescribeSecurityGroups", filterParams({ "vpc-id": [id], "group-name": ["default"] }), "securityGroupInfo");
            const acl = await only(ctx, "DescribeNetworkAcls", filterParams({ "vpc-id": [id], default: ["true"] }), "networkAclSet");
            return {
                id,
                outs: {
                    arn: arn(ctx.region, "vpc", id),
                    cidrBlock: text(vpc, "cidrBlock"),
                    defaultRouteTableId: text(main, "routeTableId"),
                    mainRouteTableId: text(main, "routeTableId"),
                    defaultSecurityGroupId: text(sg, "groupId"),
                    defaultNetworkAclId: text(acl, "networkAclId"),
                    ownerId: text(vpc, "ownerId"),
                    dhcpOptionsId: text(vpc, "dhcpOptionsId"),
                    tagsAll: inputs.tags ?? {},
                },
            };
        },
        async delete(id, _outs, ctx) {
            await ctx.ec2(ctx.region, "DeleteVpc", { VpcId: id });
        },
        exists: (id, _outs, ctx) => found(() => ctx.ec2(ctx.region, "DescribeVpcs", listParams("VpcId", [id])), "vpcSet"),
    },
    "aws:ec2/subnet:Subnet": {
        tags: "subnet",
        async create(inputs, ctx) {
            const r = await ctx.ec2(ctx.region, "CreateSubnet", {
                VpcId: str(inputs.vpcId),
                CidrBlock: inputs.cidrBlock as string | undefined,
                AvailabilityZone: inputs.availabilityZone as string | undefined,
                AvailabilityZoneId: inputs.availabilityZoneId as string | undefined,
                ...tagSpecification("subnet", inputs.tags),
            });
            const subnet = at(r, "subnet");
            const id = text(subnet, "subnetId");
            const mapPublic = bool(inputs.mapPublicIpOnLaunch);
            if (mapPublic === "true") await ctx.ec2(ctx.region, "ModifySubnetAttribute", { SubnetId: id, "MapPublicIpOnLaunch.Value": mapPublic });
            return { id, outs: { arn: text(subnet, "subnetArn") || arn(ctx.region, "subnet", id), ownerId: text(subnet, "ownerId"), availabilityZone: text(subnet, "availabilityZone"), tagsAll: inputs.tags ?? {} } };
        },
        async delete(id, _outs, ctx) {
            await ctx.ec2(ctx.region, "DeleteSubnet", { SubnetId: id });
        },
        exists: (id, _outs, ctx) => found(() => ctx.ec2(ctx.region, "DescribeSubnets", listParams("SubnetId", [id])), "subnetSet"),
    },
    "aws:ec2/internetGateway:InternetGateway": {
        tags: "internet-gateway",
        async create(inputs, ctx) {
            const r = await ctx.ec2(ctx.region, "CreateInternetGateway", tagSpecification("internet-gateway", inputs.tags));
            const igw = at(r, "internetGateway");
            const id = text(igw, "internetGatewayId");
            if (inputs.vpcId !== undefined) await ctx.ec2(ctx.region, "AttachInternetGateway", { InternetGatewayId: id, VpcId: str(inputs.vpcId) });
            return { id, outs: { arn: arn(ctx.region, "internet-gateway", id), ownerId: text(igw, "ownerId") || ACCOUNT_ID, tagsAll: inputs.tags ?? {} } };
        },
        async delete(id, outs, ctx) {
            // EC2 refuses to delete an attached gateway (DependencyViolation): detach first, as Terraform does.
            if (outs.vpcId) await ctx.ec2(ctx.region, "DetachInternetGateway", { InternetGatewayId: id, VpcId: str(outs.vpcId) });
            await ctx.ec2(ctx.region, "DeleteInternetGateway", { InternetGatewayId: id });
        },
        exists: (id, _outs, ctx) => found(() => ctx.ec2(ctx.region, "DescribeInternetGateways", listParams("InternetGatewayId", [id])), "internetGatewaySet"),
    },
    "aws:ec2/routeTable:RouteTable": {
        tags: "route-table",
        async create(inputs, ctx) {
            const r = await ctx.ec2(ctx.region, "CreateRouteTable", { VpcId: str(inputs.vpcId), ...tagSpecification("route-table", inputs.tags) });
            const table = at(r, "routeTable");
            const id = text(table, "routeTableId");
            return { id, outs: { arn: arn(ctx.region, "route-table", id), ownerId: text(table, "ownerId"), tagsAll: inputs.tags ?? {} } };
        },
        async delete(id, _outs, ctx) {
            await ctx.ec2(ctx.region, "DeleteRouteTable", { RouteTableId: id });
        },
        exists: (id, _outs, ctx) => found(() => ctx.ec2(ctx.region, "DescribeRouteTables", listParams("RouteTableId", [id])), "routeTableSet"),
    },
    "aws:ec2/route:Route": {
        async create(inputs, ctx) {
            const table = str(inputs.routeTableId);
            const destination = str(inputs.destinationCidrBlock ?? inputs.destinationIpv6CidrBlock ?? inputs.destinationPrefixListId);
            await ctx.ec2(ctx.region, "CreateRoute", {
                RouteTableId: table,
                DestinationCidrBlock: inputs.destinationCidrBlock as string | undefined,
                DestinationIpv6CidrBlock: inputs.destinationIpv6CidrBlock as string | undefined,
                DestinationPrefixListId: inputs.destinationPrefixListId as string | undefined,
                GatewayId: inputs.gatewayId as string | undefined,
                VpcPeeringConnectionId: inputs.vpcPeeringConnectionId as string | undefined,
                TransitGatewayId: inputs.transitGatewayId as string | undefined,
                NatGatewayId: inputs.natGatewayId as string | undefined,
                NetworkInterfaceId: inputs.networkInterfaceId as string | undefined,
            });
            // A route has no AWS id: Terraform's is r-<table><hash of the destination> (RouteCreateID).
            return { id: `r-${table}${parseInt(hash(destination, 8), 16)}`, outs: { origin: "CreateRoute", state: "active", instanceOwnerId: "" } };
        },
        async delete(_id, outs, ctx) {
            await ctx.ec2(ctx.region, "DeleteRoute", {
                RouteTableId: str(outs.routeTableId),
                DestinationCidrBlock: outs.destinationCidrBlock as string | undefined,
                DestinationIpv6CidrBlock: outs.destinationIpv6CidrBlock as string | undefined,
                DestinationPrefixListId: outs.destinationPrefixListId as string | undefined,
            });
        },
        async exists(_id, outs, ctx) {
            const tables = await ctx.ec2(ctx.region, "DescribeRouteTables", listParams("RouteTableId", [str(outs.routeTableId)])).catch((e: unknown) => {
                if (e instanceof AwsError && /NotFound/.test(e.code)) return {};
                throw e;
            });
            return list(tables, "routeTableSet").some((t) => list(t, "routeSet").some((r) => r.destinationCidrBlock === outs.destinationCidrBlock));
        },
    },
    "aws:ec2/routeTableAssociation:RouteTableAssociation": {
        async create(inputs, ctx) {
            const r = await ctx.ec2(ctx.region, "AssociateRouteTable", { RouteTableId: str(inputs.routeTableId), SubnetId: inputs.subnetId as string | undefined, GatewayId: inputs.gatewayId as string | undefined });
            return { id: text(r, "associationId"), outs: {} };
        },
        async delete(id, _outs, ctx) {
            await ctx.ec2(ctx.region, "DisassociateRouteTable", { AssociationId: id });
        },
    },
    "aws:ec2/securityGroup:SecurityGroup": {
        tags: "security-group",
        async create(inputs, ctx) {
            // pulumi-aws auto-names a group as `<resource name>-<7 hex>` when no name is given
            // (its Check; this stand-in has none): the suffix here is the URN's hash, stable per stack.
            const name = inputs.name !== undefined ? str(inputs.name) : `${inputs.namePrefix !== undefined ? str(inputs.namePrefix) : `${ctx.urn.split("::").pop() ?? "sg"}-`}${hash(ctx.urn, 7)}`;
            const r = await ctx.ec2(ctx.region, "CreateSecurityGroup", {
                GroupName: name,
                GroupDescription: inputs.description !== undefined ? str(inputs.description) : "Managed by Pulumi",
                VpcId: inputs.vpcId as string | undefined,
                ...tagSpecification("security-group", inputs.tags),
            });
            const id = text(r, "groupId");
            // Terraform removes the allow-all egress rule AWS adds to every new VPC group, so only
            // the rules the program declares exist (a declared allow-all one would otherwise be
            // InvalidPermission.Duplicate).
            if (inputs.vpcId !== undefined) {
                await ctx.ec2(ctx.region, "RevokeSecurityGroupEgress", { GroupId: id, "IpPermissions.1.IpProtocol": "-1", "IpPermissions.1.IpRanges.1.CidrIp": "0.0.0.0/0" }).catch((e: unknown) => {
                    if (!(e instanceof AwsError && e.code === "InvalidPermission.NotFound")) throw e;
                });
            }
            return { id, outs: { name, arn: text(r, "securityGroupArn") || arn(ctx.region, "security-group", id), ownerId: ACCOUNT_ID, tagsAll: inputs.tags ?? {} } };
        },
        async delete(id, _outs, ctx) {
            await ctx.ec2(ctx.region, "DeleteSecurityGroup", { GroupId: id });
        },
        exists: (id, _outs, ctx) => found(() => ctx.ec2(ctx.region, "DescribeSecurityGroups", listParams("GroupId", [id])), "securityGroupInfo"),
    },
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": securityGroupRule("Ingress"),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": securityGroupRule("Egress"),
    "aws:ec2/managedPrefixList:ManagedPrefixList": {
        tags: "prefix-list",
        async create(inputs, ctx) {
            const entries = Array.isArray(inputs.entries) ? (inputs.entries as Props[]) : [];
            const params: Record<string, string> = { PrefixListName: str(inputs.name), AddressFamily: str(inputs.addressFamily), MaxEntries: str(inputs.maxEntries), ...tagSpecification("prefix-list", inputs.tags) };
            entries.forEach((e, i) => {
                params[`Entry.${i + 1}.Cidr`] = str(e.cidr);
                if (e.description !== undefined) params[`Entry.${i + 1}.Description`] = str(e.description);
            });
            const r = await ctx.ec2(ctx.region, "CreateManagedPrefixList", params);
            const pl = at(r, "prefixList");
            const id = text(pl, "prefixListId");
            return { id, outs: { arn: text(pl, "prefixListArn") || arn(ctx.region, "prefix-list", id), ownerId: text(pl, "ownerId"), version: Number(text(pl, "version") || "1"), tagsAll: inputs.tags ?? {} } };
        },
        async delete(id, _outs, ctx) {
            await ctx.ec2(ctx.region, "DeleteManagedPrefixList", { PrefixListId: id });
        },
        // A deleted list stays listed a while as delete-complete.
        exists: async (id, _outs, ctx) =>
            (await found(async () => ({ prefixListSet: list(await ctx.ec2(ctx.region, "DescribeManagedPrefixLists", listParams("PrefixListId", [id])), "prefixListSet").filter((p) => p.state !== "delete-complete") }), "prefixListSet")),
    },
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": {
        tags: "vpc-peering-connection",
        async create(inputs, ctx) {
            const r = await ctx.ec2(ctx.region, "CreateVpcPeeringConnection", {
                VpcId: str(inputs.vpcId),
                PeerVpcId: str(inputs.peerVpcId),
                PeerRegion: inputs.peerRegion as string | undefined,
                PeerOwnerId: inputs.peerOwnerId as string | undefined,
                ...tagSpecification("vpc-peering-connection", inputs.tags),
            });
            const id = text(at(r, "vpcPeeringConnection"), "vpcPeeringConnectionId");
            // Auto-accept works only for a peering inside one account and region (AWS's rule;
            // Terraform refuses auto_accept with peer_region): accepting across regions is
            // OperationNotPermitted from the requester's region.
            if (inputs.autoAccept === true) await ctx.ec2(ctx.region, "AcceptVpcPeeringConnection", { VpcPeeringConnectionId: id });
            const status = at(await peering(ctx, id), "status");
            return { id, outs: { acceptStatus: text(status, "code"), tagsAll: inputs.tags ?? {} } };
        },
        async delete(id, _outs, ctx) {
            await ctx.ec2(ctx.region, "DeleteVpcPeeringConnection", { VpcPeeringConnectionId: id });
        },
        // The requester's acceptStatus is what AWS says now: pending-acceptance at its create,
        // active once the accepter (another resource, often another stack) has accepted it.
        current: (id, _outs, ctx) => peeringStatus(ctx, id),
    },
    "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": {
        async create(inputs, ctx) {
            const id = str(inputs.vpcPeeringConnectionId);
            const before = await peering(ctx, id);
            if (inputs.autoAccept === true && text(at(before, "status"), "code") === "pending-acceptance") {
                await ctx.ec2(ctx.region, "AcceptVpcPeeringConnection", { VpcPeeringConnectionId: id });
            }
            const tags = tagEntries(inputs.tags);
            if (tags.length > 0) await ctx.ec2(ctx.region, "CreateTags", { ...listParams("ResourceId", [id]), ...tagParams(tags) });
            const now = await peering(ctx, id);
            const requester = at(now, "requesterVpcInfo");
            const accepter = at(now, "accepterVpcInfo");
            // terraform-provider-aws reads the accepter as it reads the connection: vpcId is the
            // requester's VPC, peer* the accepter's.
            return {
                id,
                outs: {
                    acceptStatus: text(at(now, "status"), "code"),
                    vpcId: text(requester, "vpcId"),
                    peerVpcId: text(accepter, "vpcId"),
                    peerOwnerId: text(accepter, "ownerId"),
                    peerRegion: text(accepter, "region"),
                    tagsAll: inputs.tags ?? {},
                },
            };
        },
        current: (id, _outs, ctx) => peeringStatus(ctx, id),
        delete() {
            // Terraform's accepter only leaves the state: the connection is the requester's to delete.
            return Promise.resolve();
        },
    },
    "aws:ec2transitgateway/transitGateway:TransitGateway": {
        tags: "transit-gateway",
        async create(inputs, ctx) {
            const option = (k: string) => (inputs[k] === undefined ? undefined : str(inputs[k]));
            const r = await ctx.ec2(ctx.region, "CreateTransitGateway", {
                Description: inputs.description as string | undefined,
                "Options.AmazonSideAsn": option("amazonSideAsn"),
                "Options.AutoAcceptSharedAttachments": option("autoAcceptSharedAttachments"),
                "Options.DefaultRouteTableAssociation": option("defaultRouteTableAssociation"),
                "Options.DefaultRouteTablePropagation": option("defaultRouteTablePropagation"),
                "Options.DnsSupport": option("dnsSupport"),
                "Options.VpnEcmpSupport": option("vpnEcmpSupport"),
                ...tagSpecification("transit-gateway", inputs.tags),
            });
            const tgw = at(r, "transitGateway");
            const options = at(tgw, "options");
            const id = text(tgw, "transitGatewayId");
            return {
                id,
                outs: {
                    arn: text(tgw, "transitGatewayArn") || arn(ctx.region, "transit-gateway", id),
                    associationDefaultRouteTableId: text(options, "associationDefaultRouteTableId"),
                    propagationDefaultRouteTableId: text(options, "propagationDefaultRouteTableId"),
                    ownerId: text(tgw, "ownerId"),
                    tagsAll: inputs.tags ?? {},
                },
            };
        },
        async delete(id, _outs, ctx) {
            await ctx.ec2(ctx.region, "DeleteTransitGateway", { TransitGatewayId: id });
        },
        exists: (id, _outs, ctx) => live(ctx, "DescribeTransitGateways", listParams("TransitGatewayIds", [id]), "transitGatewaySet"),
    },
    "aws:ec2transitgateway/vpcAttachment:VpcAttachment": {
        tags: "transit-gateway-attachment",
        async create(inputs, ctx) {
            const option = (k: string) => (inputs[k] === undefined ? undefined : str(inputs[k]));
            const r = await ctx.ec2(ctx.region, "CreateTransitGatewayVpcAttachment", {
                TransitGatewayId: str(inputs.transitGatewayId),
                VpcId: str(inputs.vpcId),
                ...listParams("SubnetIds", Array.isArray(inputs.subnetIds) ? inputs.subnetIds.map(str) : []),
                "Options.DnsSupport": option("dnsSupport"),
                "Options.Ipv6Support": option("ipv6Support"),
                "Options.ApplianceModeSupport": option("applianceModeSupport"),
                ...tagSpecification("transit-gateway-attachment", inputs.tags),
            });
            const attachment = at(r, "transitGatewayVpcAttachment");
            return { id: text(attachment, "transitGatewayAttachmentId"), outs: { vpcOwnerId: text(attachment, "vpcOwnerId"), tagsAll: inputs.tags ?? {} } };
        },
        async delete(id, _outs, ctx) {
            await ctx.ec2(ctx.region, "DeleteTransitGatewayVpcAttachment", { TransitGatewayAttachmentId: id });
        },
        exists: (id, _outs, ctx) => live(ctx, "DescribeTransitGatewayVpcAttachments", listParams("TransitGatewayAttachmentIds", [id]), "transitGatewayVpcAttachments"),
    },
    "aws:ec2transitgateway/peeringAttachment:PeeringAttachment": {
        tags: "transit-gateway-attachment",
        async create(inputs, ctx) {
            const r = await ctx.ec2(ctx.region, "CreateTransitGatewayPeeringAttachment", {
                TransitGatewayId: str(inputs.transitGatewayId),
                PeerTransitGatewayId: str(inputs.peerTransitGatewayId),
                PeerRegion: str(inputs.peerRegion),
                // Terraform sends the caller's account when none is given.
                PeerAccountId: inputs.peerAccountId !== undefined ? str(inputs.peerAccountId) : ACCOUNT_ID,
                ...tagSpecification("transit-gateway-attachment", inputs.tags),
            });
            const attachment = at(r, "transitGatewayPeeringAttachment");
            return { id: text(attachment, "transitGatewayAttachmentId"), outs: { state: text(attachment, "state"), peerAccountId: inputs.peerAccountId ?? ACCOUNT_ID, tagsAll: inputs.tags ?? {} } };
        },
        async delete(id, _outs, ctx) {
            // The accepter's delete removes the attachment (Terraform's does); gone is done.
            await ctx.ec2(ctx.region, "DeleteTransitGatewayPeeringAttachment", { TransitGatewayAttachmentId: id }).catch((e: unknown) => {
                if (!(e instanceof AwsError && /NotFound|IncorrectState/.test(e.code))) throw e;
            });
        },
        exists: (id, _outs, ctx) => live(ctx, "DescribeTransitGatewayPeeringAttachments", listParams("TransitGatewayAttachmentIds", [id]), "transitGatewayPeeringAttachments"),
    },
    "aws:ec2transitgateway/peeringAttachmentAccepter:PeeringAttachmentAccepter": {
        tags: "transit-gateway-attachment",
        async create(inputs, ctx) {
            const id = str(inputs.transitGatewayAttachmentId);
            // In the accepter's region (AWS refuses it from the requester's: InvalidParameterValue).
            const r = await ctx.ec2(ctx.region, "AcceptTransitGatewayPeeringAttachment", { TransitGatewayAttachmentId: id });
            const attachment = at(r, "transitGatewayPeeringAttachment");
            const tags = tagEntries(inputs.tags);
            if (tags.length > 0) await ctx.ec2(ctx.region, "CreateTags", { ...listParams("ResourceId", [id]), ...tagParams(tags) });
            const requester = at(attachment, "requesterTgwInfo");
            return {
                id,
                outs: {
                    transitGatewayId: text(at(attachment, "accepterTgwInfo"), "transitGatewayId"),
                    peerTransitGatewayId: text(requester, "transitGatewayId"),
                    peerRegion: text(requester, "region"),
                    peerAccountId: text(requester, "ownerId"),
                    tagsAll: inputs.tags ?? {},
                },
            };
        },
        async delete(id, _outs, ctx) {
            await ctx.ec2(ctx.region, "DeleteTransitGatewayPeeringAttachment", { TransitGatewayAttachmentId: id }).catch((e: unknown) => {
                if (!(e instanceof AwsError && /NotFound|IncorrectState/.test(e.code))) throw e;
            });
        },
    },
    "aws:ec2transitgateway/route:Route": {
        async create(inputs, ctx) {
            const table = str(inputs.transitGatewayRouteTableId);
            const destination = str(inputs.destinationCidrBlock);
            await ctx.ec2(ctx.region, "CreateTransitGatewayRoute", {
                TransitGatewayRouteTableId: table,
                DestinationCidrBlock: destination,
                TransitGatewayAttachmentId: inputs.transitGatewayAttachmentId as string | undefined,
                Blackhole: bool(inputs.blackhole),
            });
            // Terraform's id: <route table>_<destination>.
            return { id: `${table}_${destination}`, outs: {} };
        },
        async delete(_id, outs, ctx) {
            await ctx.ec2(ctx.region, "DeleteTransitGatewayRoute", { TransitGatewayRouteTableId: str(outs.transitGatewayRouteTableId), DestinationCidrBlock: str(outs.destinationCidrBlock) });
        },
    },
};

function tagParams(tags: ReadonlyArray<[string, string]>): Record<string, string> {
    return Object.fromEntries(tags.flatMap(([k, v], i) => [[`Tag.${i + 1}.Key`, k], [`Tag.${i + 1}.Value`, v]]));
}

/** Tags of `id` from `olds` to `news`: CreateTags for new or changed keys, DeleteTags for removed ones. */
export async function retag(ctx: MotoContext, id: string, olds: unknown, news: unknown): Promise<void> {
    const before = new Map(tagEntries(olds));
    const after = tagEntries(news);
    const changed = after.filter(([k, v]) => before.get(k) !== v);
    const removed = [...before.keys()].filter((k) => !after.some(([a]) => a === k)).sort();
    if (changed.length > 0) await ctx.ec2(ctx.region, "CreateTags", { ...listParams("ResourceId", [id]), ...tagParams(changed) });
    if (removed.length > 0) await ctx.ec2(ctx.region, "DeleteTags", { ...listParams("ResourceId", [id]), ...Object.fromEntries(removed.map((k, i) => [`Tag.${i + 1}.Key`, k])) });
}

/** `Filter.N` from a data source's `filters: [{ name, values }]`, after `first` ones. */
function invokeFilters(filters: unknown, first: Readonly<Record<string, readonly string[]>> = {}): Record<string, string> {
    const merged: Record<string, string[]> = Object.fromEntries(Object.entries(first).map(([k, v]) => [k, [...v]]));
    for (const f of Array.isArray(filters) ? (filters as Props[]) : []) merged[str(f.name)] = Array.isArray(f.values) ? f.values.map(str) : [];
    return filterParams(merged);
}

/** Every page of a describe's set (EC2's NextToken). */
async function allPages(ec2: Ec2Call, region: string, action: string, params: Params, setKey: string): Promise<Obj[]> {
    const items: Obj[] = [];
    let token: string | undefined;
    do {
        const r = await ec2(region, action, { ...params, NextToken: token });
        items.push(...list(r, setKey));
        token = text(r, "nextToken") || undefined;
    } while (token);
    return items;
}

/**
 * The data sources moto answers from its region data (a snapshot of AWS's: us-west-1 has two
 * zones, us-east-1e offers no t3), as the Terraform data sources shape them. Placement
 * (components/network/zones.ts) then meets real zone names, ids and gaps.
 */
export function motoDataSources(ec2: Ec2Call, regionOf: (config: Readonly<Record<string, string>>) => string): Readonly<Record<string, (args: Props, ctx: { config: Readonly<Record<string, string>> }) => Promise<Props>>> {
    return {
        "aws:index/getAvailabilityZones:getAvailabilityZones": async (args, ctx) => {
            const region = regionOf(ctx.config);
            const zones = await allPages(
                ec2,
                region,
                "DescribeAvailabilityZones",
                { AllAvailabilityZones: bool(args.allAvailabilityZones), ...invokeFilters(args.filters, args.state !== undefined ? { state: [str(args.state)] } : {}) },
                "availabilityZoneInfo",
            );
            const excludeNames = Array.isArray(args.excludeNames) ? args.excludeNames.map(str) : [];
            const excludeZoneIds = Array.isArray(args.excludeZoneIds) ? args.excludeZoneIds.map(str) : [];
            // Terraform's data source drops the excluded zones itself and sorts by name.
            const kept = zones.filter((z) => !excludeNames.includes(text(z, "zoneName")) && !excludeZoneIds.includes(text(z, "zoneId"))).sort((a, b) => (text(a, "zoneName") < text(b, "zoneName") ? -1 : 1));
            return {
                ...args,
                id: region,
                names: kept.map((z) => text(z, "zoneName")),
                zoneIds: kept.map((z) => text(z, "zoneId")),
                groupNames: [...new Set(kept.map((z) => text(z, "groupName") || region))].sort(),
            };
        },
        "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings": async (args, ctx) => {
            const region = regionOf(ctx.config);
            const locationType = str(args.locationType ?? "region");
            const offers = await allPages(ec2, region, "DescribeInstanceTypeOfferings", { LocationType: locationType, ...invokeFilters(args.filters) }, "instanceTypeOfferingSet");
            return {
                id: region,
                filters: args.filters ?? [],
                locationType,
                instanceTypes: offers.map((o) => text(o, "instanceType")),
                locations: offers.map((o) => text(o, "location")),
                locationTypes: offers.map((o) => text(o, "locationType")),
            };
        },
    };
}
