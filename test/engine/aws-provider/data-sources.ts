/**
 * The AWS data sources (invokes) the engine-test `aws` provider answers, with deterministic
 * answers. Apart from main.ts (which starts serving on import) so that a fast test can check that
 * every data source the program calls is answered here (data-sources.test.ts): a missing one shows
 * up only as a gRPC stack trace in a real-engine preview otherwise.
 */
import * as crypto from "node:crypto";
import { type Invoke, type Props, ProviderError, str } from "../providers/server";

export const ACCOUNT_ID = "123456789012";

export function hash(text: string, length: number): string {
    return crypto.createHash("sha256").update(text).digest("hex").slice(0, length);
}

export function region(config: Readonly<Record<string, string>>): string {
    const r = config.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (!r) throw new ProviderError("aws (engine-test provider): no region: set aws:region or the provider's region");
    return r;
}

function zones(reg: string): Props {
    const letters = ["a", "b", "c"];
    return { id: reg, names: letters.map((l) => `${reg}${l}`), zoneIds: letters.map((_, i) => `${reg.replace(/-/g, "").slice(0, 4)}-az${i + 1}`), groupNames: [reg], state: "available" };
}

function instanceTypeOfferings(args: Props, reg: string): Props {
    const filters = Array.isArray(args.filters) ? (args.filters as Props[]) : [];
    const types = filters.filter((f) => f.name === "instance-type").flatMap((f) => (Array.isArray(f.values) ? f.values.map(String) : []));
    const locationType = str(args.locationType ?? "region");
    const locations = locationType === "availability-zone" ? (zones(reg).names as string[]) : locationType === "availability-zone-id" ? (zones(reg).zoneIds as string[]) : [reg];
    const pairs = types.flatMap((type) => locations.map((location) => ({ type, location })));
    return {
        id: reg,
        filters,
        locationType,
        instanceTypes: pairs.map((p) => p.type),
        locations: pairs.map((p) => p.location),
        locationTypes: pairs.map(() => locationType),
    };
}

/** Data sources by token (`aws:<module>/<function>:<function>`). */
export const AWS_DATA_SOURCES: Readonly<Record<string, Invoke>> = {
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({ id: ACCOUNT_ID, accountId: ACCOUNT_ID, arn: `arn:aws:iam::${ACCOUNT_ID}:user/engine-test`, userId: "AIDAENGINETEST00000001" }),
    "aws:index/getPartition:getPartition": () => ({ id: "aws", partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" }),
    "aws:index/getAvailabilityZones:getAvailabilityZones": (_args, ctx) => zones(region(ctx.config)),
    // Every simulated zone offers every instance type: placement (components/network/zones.ts)
    // then takes the region's first zones, as it would in a region without gaps.
    "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings": (args, ctx) => instanceTypeOfferings(args, region(ctx.config)),
    "aws:iam/getSessionContext:getSessionContext": (args) => ({ id: str(args.arn), arn: str(args.arn), issuerArn: str(args.arn), issuerId: "", issuerName: "", sessionName: "" }),
    "aws:ec2/getAmi:getAmi": (args, ctx) => {
        const id = `ami-${hash(`${region(ctx.config)}/${JSON.stringify(args.filters ?? [])}`, 17)}`;
        return { ...args, id, imageId: id, architecture: "x86_64", name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20260101", virtualizationType: "hvm", rootDeviceName: "/dev/sda1" };
    },
    "aws:ec2/getNetworkInterfaces:getNetworkInterfaces": (args, ctx) => ({ id: region(ctx.config), ids: [], filters: args.filters ?? [] }),
    "aws:ec2/getNetworkInterface:getNetworkInterface": (args) => {
        throw new ProviderError(`aws (engine-test provider): no network interface ${str(args.id)}`);
    },
};
