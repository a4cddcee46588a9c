/**
 * The engine test's `aws` group: the AWS lab (test/engine/aws-lab/) deployed for real, with the
 * engine-test aws provider creating its EC2 resources in moto_server, so AWS's own rules apply
 * (CIDR containment, peering acceptance in the accepter's region, delete order). East, then
 * west (which owns the peering), a second `up` of each with `--expect-no-changes`, what moto
 * holds checked against the lab's plan, `destroy` of both; the same for the Transit Gateway pair
 * (twest, teast: up unlinked, then linked); a subnet outside its VPC must fail
 * with AWS's InvalidSubnet.Range; at the end moto holds only what it started with (its default
 * VPC per region) and the state holds nothing.
 */
import * as path from "node:path";
import { ec2Client, filterParams, listParams, type Ec2Call } from "./aws-provider/moto";
import { BAD_VPC, DEP_SUBNET, LAB_INSTANCE_TYPE, LAB_MEMBERS } from "./aws-lab/lab";
import { startMoto } from "./moto-server";
import { type Engine, pulumi, record, tail } from "./run";

type Obj = Record<string, unknown>;
const set = (r: Obj, key: string): Obj[] => (Array.isArray(r[key]) ? (r[key] as Obj[]) : []);
const field = (o: Obj | undefined, ...keys: string[]): string => {
    let v: unknown = o;
    for (const k of keys) v = v !== null && typeof v === "object" ? (v as Obj)[k] : undefined;
    return typeof v === "string" ? v : "";
};

const REGIONS = [...new Set(Object.values(LAB_MEMBERS).map((m) => m.region))].sort();

/** What moto holds in a region, as `<kind> <id>` lines (deleted peerings and prefix lists left out: AWS lists them a while, then not). */
async function inventory(ec2: Ec2Call, region: string): Promise<string[]> {
    const lines: string[] = [];
    const add = async (action: string, key: string, id: string, keep: (o: Obj) => boolean = () => true) => {
        for (const o of set(await ec2(region, action), key).filter(keep)) lines.push(`${region} ${action.replace(/^Describe/, "")} ${field(o, id)}`);
    };
    await add("DescribeVpcs", "vpcSet", "vpcId");
    await add("DescribeSubnets", "subnetSet", "subnetId");
    await add("DescribeInternetGateways", "internetGatewaySet", "internetGatewayId");
    await add("DescribeRouteTables", "routeTableSet", "routeTableId");
    await add("DescribeSecurityGroups", "securityGroupInfo", "groupId");
    await add("DescribeSecurityGroupRules", "securityGroupRuleSet", "securityGroupRuleId");
    // A deleted list stays listed as delete-complete for a while (AWS; moto keeps it so).
    await add("DescribeManagedPrefixLists", "prefixListSet", "prefixListId", (p) => field(p, "state") !== "delete-complete");
    await add("DescribeVpcPeeringConnections", "vpcPeeringConnectionSet", "vpcPeeringConnectionId", (p) => field(p, "status", "code") !== "deleted");
    const notDeleted = (o: Obj) => !/^(deleted|deleting)$/.test(field(o, "state"));
    await add("DescribeTransitGateways", "transitGatewaySet", "transitGatewayId", notDeleted);
    await add("DescribeTransitGatewayVpcAttachments", "transitGatewayVpcAttachments", "transitGatewayAttachmentId", notDeleted);
    await add("DescribeTransitGatewayPeeringAttachments", "transitGatewayPeeringAttachments", "transitGatewayAttachmentId", notDeleted);
    for (const table of set(await ec2(region, "DescribeRouteTables"), "routeTableSet")) {
        for (const route of set(table, "routeSet")) lines.push(`${region} Route ${field(table, "routeTableId")} ${field(route, "destinationCidrBlock")}`);
    }
    return lines.sort();
}

async function everything(ec2: Ec2Call): Promise<string[]> {
    return (await Promise.all(REGIONS.map((r) => inventory(ec2, r)))).flat();
}

function outputs(engine: Engine, dir: string, stack: string): Obj {
    const r = pulumi(engine, dir, ["stack", "output", "--json", "--stack", stack]);
    return r.status === 0 ? (JSON.parse(r.stdout) as Obj) : {};
}

/** The planned network of a member against what moto holds: the VPC of the stack's output, its CIDR and its subnets'. */
async function checkMember(ec2: Ec2Call, name: keyof typeof LAB_MEMBERS, network: Obj): Promise<string[]> {
    const m = LAB_MEMBERS[name];
    const problems: string[] = [];
    const vpcId = field(network, "vpcId");
    const vpcs = set(await ec2(m.region, "DescribeVpcs", filterParams({ "tag:clustermesh/cluster": [name] })), "vpcSet");
    if (vpcs.length !== 1 || field(vpcs[0], "vpcId") !== vpcId) problems.push(`${name}: moto holds VPCs ${vpcs.map((v) => field(v, "vpcId")).join(", ") || "none"} tagged ${name} in ${m.region}; the stack says ${vpcId || "nothing"}`);
    if (vpcs[0] && field(vpcs[0], "cidrBlock") !== m.vpcCidr) problems.push(`${name}: VPC CIDR ${field(vpcs[0], "cidrBlock")}, planned ${m.vpcCidr}`);
    const found = set(await ec2(m.region, "DescribeSubnets", filterParams({ "vpc-id": [vpcId] })), "subnetSet");
    const subnets = found.map((s) => field(s, "cidrBlock")).sort();
    if (subnets.join() !== [...m.subnets].sort().join()) problems.push(`${name}: subnets ${subnets.join(", ") || "none"}, planned ${m.subnets.join(", ")}`);
    // Placed from moto's region data: each subnet in its own zone, one that offers the lab's instance type.
    const offered = set(await ec2(m.region, "DescribeInstanceTypeOfferings", { LocationType: "availability-zone", ...filterParams({ "instance-type": [LAB_INSTANCE_TYPE] }) }), "instanceTypeOfferingSet").map((o) => field(o, "location"));
    const zones = found.map((s) => field(s, "availabilityZone"));
    if (new Set(zones).size !== zones.length || !zones.every((z) => offered.includes(z))) problems.push(`${name}: subnets in zones ${zones.join(", ")}; ${LAB_INSTANCE_TYPE} is offered in ${offered.join(", ")}`);
    return problems;
}

/** The peering of west and east: active, seen from the accepter's region, routed both ways. */
async function checkPeering(ec2: Ec2Call, west: Obj, east: Obj): Promise<string[]> {
    const problems: string[] = [];
    const pcxs = set(await ec2(LAB_MEMBERS.east.region, "DescribeVpcPeeringConnections", filterParams({ "requester-vpc-info.vpc-id": [field(west, "vpcId")] })), "vpcPeeringConnectionSet");
    const active = pcxs.filter((p) => field(p, "status", "code") === "active" && field(p, "accepterVpcInfo", "vpcId") === field(east, "vpcId") && field(p, "accepterVpcInfo", "region") === LAB_MEMBERS.east.region);
    if (active.length !== 1) problems.push(`peerings of west's VPC seen from ${LAB_MEMBERS.east.region}: ${pcxs.map((p) => `${field(p, "vpcPeeringConnectionId")} ${field(p, "status", "code")}`).join(", ") || "none"}; one active to east's VPC expected`);
    const pcx = field(active[0], "vpcPeeringConnectionId");
    for (const [side, net, peer] of [["west", west, LAB_MEMBERS.east], ["east", east, LAB_MEMBERS.west]] as const) {
        const region = LAB_MEMBERS[side].region;
        const tables = set(await ec2(region, "DescribeRouteTables", listParams("RouteTableId", [field(net, "routeTableId")])), "routeTableSet");
        const routes = tables.flatMap((t) => set(t, "routeSet"));
        if (!routes.some((r) => field(r, "destinationCidrBlock") === peer.vpcCidr && field(r, "vpcPeeringConnectionId") === pcx)) {
            problems.push(`${side}'s route table has no route to ${peer.vpcCidr} through ${pcx || "the peering"}: ${routes.map((r) => `${field(r, "destinationCidrBlock")}→${field(r, "gatewayId") || field(r, "vpcPeeringConnectionId")}`).join(", ")}`);
        }
    }
    return problems;
}

/** The transit pair: each VPC attached to its region's hub and routed to the other through it, the hubs peered (accepted in us-east-1) with static routes both ways. */
async function checkTransit(ec2: Ec2Call, outs: Record<"twest" | "teast", Obj>): Promise<string[]> {
    const problems: string[] = [];
    const peerings = set(await ec2(LAB_MEMBERS.teast.region, "DescribeTransitGatewayPeeringAttachments"), "transitGatewayPeeringAttachments").filter(
        (p) => field(p, "requesterTgwInfo", "transitGatewayId") === field(outs.twest.transitGateway as Obj, "id") && field(p, "accepterTgwInfo", "transitGatewayId") === field(outs.teast.transitGateway as Obj, "id"),
    );
    const available = peerings.filter((p) => field(p, "state") === "available");
    if (available.length !== 1) problems.push(`hub peerings twest→teast seen from ${LAB_MEMBERS.teast.region}: ${peerings.map((p) => `${field(p, "transitGatewayAttachmentId")} ${field(p, "state")}`).join(", ") || "none"}; one available expected`);
    const peering = field(available[0], "transitGatewayAttachmentId");
    for (const [self, other] of [["twest", "teast"], ["teast", "twest"]] as const) {
        const m = LAB_MEMBERS[self];
        const network = outs[self].network as Obj;
        const hub = outs[self].transitGateway as Obj;
        const attachments = set(await ec2(m.region, "DescribeTransitGatewayVpcAttachments", filterParams({ "vpc-id": [field(network, "vpcId")] })), "transitGatewayVpcAttachments").filter((a) => field(a, "state") === "available");
        if (attachments.length !== 1 || field(attachments[0], "transitGatewayId") !== field(hub, "id")) problems.push(`${self}'s VPC: attachments ${attachments.map((a) => `${field(a, "transitGatewayAttachmentId")}→${field(a, "transitGatewayId")}`).join(", ") || "none"}; one to its hub ${field(hub, "id")} expected`);
        const routes = set(await ec2(m.region, "DescribeRouteTables", listParams("RouteTableId", [field(network, "routeTableId")])), "routeTableSet").flatMap((t) => set(t, "routeSet"));
        if (!routes.some((r) => field(r, "destinationCidrBlock") === LAB_MEMBERS[other].vpcCidr && field(r, "transitGatewayId") === field(hub, "id"))) problems.push(`${self}'s route table has no route to ${LAB_MEMBERS[other].vpcCidr} through its hub`);
        const hubRoutes = set(await ec2(m.region, "SearchTransitGatewayRoutes", { TransitGatewayRouteTableId: field(hub, "routeTableId"), ...filterParams({ type: ["static"] }) }), "routeSet").map((r) => field(r, "destinationCidrBlock"));
        if (!peering || !hubRoutes.includes(LAB_MEMBERS[other].vpcCidr)) problems.push(`${self}'s hub route table: static routes ${hubRoutes.join(", ") || "none"}; ${LAB_MEMBERS[other].vpcCidr} to the hub peering expected`);
    }
    return problems;
}

/** The acceptStatus output of the stack's VpcPeeringConnection, as its state holds it. */
function acceptStatus(engine: Engine, dir: string, stack: string): string {
    const r = pulumi(engine, dir, ["stack", "export", "--stack", stack]);
    if (r.status !== 0) return `no state: ${tail(r, 5)}`;
    const resources = (JSON.parse(r.stdout) as { deployment?: { resources?: Array<{ type: string; outputs?: Obj }> } }).deployment?.resources ?? [];
    return field(resources.find((x) => x.type === "aws:ec2/vpcPeeringConnection:VpcPeeringConnection")?.outputs, "acceptStatus") || "none";
}

/** The resources a stack's state still holds besides the stack and its providers. */
function stateResources(engine: Engine, dir: string, stack: string): string[] | string {
    const r = pulumi(engine, dir, ["stack", "export", "--stack", stack]);
    if (r.status !== 0) return tail(r);
    const resources = (JSON.parse(r.stdout) as { deployment?: { resources?: Array<{ urn: string; type: string }> } }).deployment?.resources ?? [];
    return resources.filter((x) => x.type !== "pulumi:pulumi:Stack" && !x.type.startsWith("pulumi:providers:")).map((x) => x.urn);
}

export async function awsLab(base: Engine): Promise<void> {
    const started = Date.now();
    const moto = await startMoto(path.join(base.tmp, "moto.log"));
    try {
        const engine: Engine = { ...base, env: { ...base.env, CLUSTERMESH_ENGINE_MOTO_ENDPOINT: moto.endpoint } };
        const ec2 = ec2Client(moto.endpoint);
        const dir = path.join(engine.work, "test/engine/aws-lab");
        const before = await everything(ec2);
        const step = (label: string, args: string[], stack: string): boolean => {
            const r = pulumi(engine, dir, [...args, "--stack", stack]);
            record(`aws lab: ${label}`, r.status === 0, tail(r));
            return r.status === 0;
        };
        for (const stack of ["east", "west", "dep", "teast", "twest", "bad"]) {
            const r = pulumi(engine, dir, ["stack", "select", "--create", stack]);
            if (r.status !== 0) return record(`aws lab: stack init ${stack}`, false, tail(r));
        }
        // East first: west owns the peering and reads east's network through a StackReference.
        const up = step("up east", ["up", "--yes", "--skip-preview"], "east") && step("up west (the peering to east)", ["up", "--yes", "--skip-preview"], "west");
        if (up) {
            step("second up of east shows no changes", ["up", "--yes", "--skip-preview", "--expect-no-changes"], "east");
            step("second up of west shows no changes", ["up", "--yes", "--skip-preview", "--expect-no-changes"], "west");
            // Every resource moto holds is found by its id again (the provider's read). The
            // requester's acceptStatus is AWS's at its create (pending-acceptance: the accepter
            // is another resource) until a refresh reads it again (active).
            const status = () => acceptStatus(engine, dir, "west");
            const created = status();
            step("refresh of west finds every resource in moto, no changes", ["refresh", "--yes", "--skip-preview", "--expect-no-changes"], "west");
            const refreshed = status();
            record("aws lab: the requester's acceptStatus is pending-acceptance after its up, active after a refresh", created === "pending-acceptance" && refreshed === "active", `after up: ${created}; after refresh: ${refreshed}`);
            const west = outputs(engine, dir, "west").network as Obj;
            const east = outputs(engine, dir, "east").network as Obj;
            const problems = [...(await checkMember(ec2, "west", west)), ...(await checkMember(ec2, "east", east))];
            record(`aws lab: moto holds both VPCs and their subnets with the planned CIDRs, in zones offering ${LAB_INSTANCE_TYPE}`, problems.length === 0, problems.join("\n"));
            const peering = await checkPeering(ec2, west, east);
            record(`aws lab: the peering is active in ${LAB_MEMBERS.east.region} and routed both ways`, peering.length === 0, peering.join("\n"));
        }
        // Another stack's subnet in west's VPC: AWS refuses to delete the VPC first
        // (DependencyViolation), which the deterministic stand-in never did; once that stack is
        // gone, west's destroy finishes.
        if (up && step(`up dep (a subnet ${DEP_SUBNET.cidr} in west's VPC)`, ["up", "--yes", "--skip-preview"], "dep")) {
            const refused = pulumi(engine, dir, ["destroy", "--yes", "--skip-preview", "--stack", "west"]);
            const said = tail(refused, 400);
            record("aws lab: destroy of west with dep's subnet in its VPC fails with AWS's DependencyViolation", refused.status !== 0 && said.includes("DeleteVpc: DependencyViolation"), tail(refused));
            step("destroy dep", ["destroy", "--yes", "--skip-preview"], "dep");
        }
        step("destroy west", ["destroy", "--yes", "--skip-preview"], "west");
        step("destroy east", ["destroy", "--yes", "--skip-preview"], "east");

        // Transit: both up unlinked (a member attaches to the hubs only once linked), then linked;
        // twest (the lower id) peers the hubs, accepted in us-east-1, and routes both hubs.
        const transit =
            step("up teast (its hub, unlinked)", ["up", "--yes", "--skip-preview"], "teast") &&
            step("up twest (its hub, unlinked)", ["up", "--yes", "--skip-preview"], "twest") &&
            ["teast", "twest"].every((s) => pulumi(engine, dir, ["config", "set", "link", "true", "--stack", s]).status === 0) &&
            step("up teast linked (attached to its hub)", ["up", "--yes", "--skip-preview"], "teast") &&
            step("up twest linked (attached, the hub peering to us-east-1 and its routes)", ["up", "--yes", "--skip-preview"], "twest");
        if (transit) {
            step("second up of teast shows no changes", ["up", "--yes", "--skip-preview", "--expect-no-changes"], "teast");
            step("second up of twest shows no changes", ["up", "--yes", "--skip-preview", "--expect-no-changes"], "twest");
            const problems = await checkTransit(ec2, { twest: outputs(engine, dir, "twest"), teast: outputs(engine, dir, "teast") });
            record("aws lab: the transit pair is attached to its hubs, the hubs peered and routed both ways", problems.length === 0, problems.join("\n"));
        }
        step("destroy twest", ["destroy", "--yes", "--skip-preview"], "twest");
        step("destroy teast", ["destroy", "--yes", "--skip-preview"], "teast");

        // AWS refuses a subnet outside its VPC; the mock engine and the deterministic stand-in accept it.
        const bad = pulumi(engine, dir, ["up", "--yes", "--skip-preview", "--stack", "bad"]);
        const out = tail(bad, 400);
        record(
            `aws lab: a subnet ${BAD_VPC.subnetCidr} outside its VPC ${BAD_VPC.vpcCidr} fails the up with AWS's InvalidSubnet.Range`,
            bad.status !== 0 && out.includes("InvalidSubnet.Range") && out.includes(BAD_VPC.subnetCidr),
            tail(bad),
        );
        step("destroy bad", ["destroy", "--yes", "--skip-preview"], "bad");

        const after = await everything(ec2);
        const left = after.filter((l) => !before.includes(l));
        const gone = before.filter((l) => !after.includes(l));
        record("aws lab: after destroy moto holds only its defaults", left.length === 0 && gone.length === 0, [...left.map((l) => `left: ${l}`), ...gone.map((l) => `default gone: ${l}`)].join("\n"));
        const states = ["west", "east", "dep", "twest", "teast", "bad"].map((s) => [s, stateResources(engine, dir, s)] as const);
        const nonEmpty = states.filter(([, r]) => typeof r === "string" || r.length > 0);
        record("aws lab: after destroy the states hold no resources", nonEmpty.length === 0, nonEmpty.map(([s, r]) => `${s}: ${typeof r === "string" ? r : r.join("\n  ")}`).join("\n"));
    } finally {
        moto.stop();
        process.stderr.write(`engine: aws lab took ${Math.round((Date.now() - started) / 1000)} s\n`);
    }
}
