/**
 * Placement: the Availability Zones a member's instances go into. Zone names map to different
 * physical zones per account, and not every instance type is offered in every zone (EC2
 * DescribeInstanceTypeOfferings; e.g. some us-east-1 zones lack t3): a subnet in a zone without
 * the type fails the instance's creation. Pure, so the choice is tested without a cloud.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * The zones of `available` (in its order) where every one of `offeredPerType` (the zones each
 * instance type is offered in) includes the zone.
 */
export function zonesOffering(available: readonly string[], offeredPerType: ReadonlyArray<readonly string[]>): string[] {
    return available.filter((zone) => offeredPerType.every((offered) => offered.includes(zone)));
}

/**
 * The first `count` zones of the region (state available, no opt-in, none of `excludeZoneIds`)
 * where every type of `instanceTypes` is offered. Fails the deploy, naming the types, when the
 * region has fewer.
 */
export function offeredZones(instanceTypes: readonly string[], count: number, opts: pulumi.InvokeOutputOptions, excludeZoneIds: readonly string[] = []): pulumi.Output<string[]> {
    const zones = aws.getAvailabilityZonesOutput(
        {
            state: "available",
            // Local and Wavelength zones are opt-in; neither EKS nor these subnets use them.
            filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
            ...(excludeZoneIds.length > 0 ? { excludeZoneIds: [...excludeZoneIds] } : {}),
        },
        opts,
    );
    const offerings = [...new Set(instanceTypes)].sort().map((type) =>
        aws.ec2.getInstanceTypeOfferingsOutput({ locationType: "availability-zone", filters: [{ name: "instance-type", values: [type] }] }, opts).locations,
    );
    return pulumi.all([zones.names, pulumi.all(offerings)]).apply(([names, offered]) => {
        const usable = zonesOffering(names, offered);
        if (usable.length < count) {
            throw new Error(`only ${usable.length} zone(s) of the region (${names.join(", ")}) offer ${[...new Set(instanceTypes)].join(" and ")}; ${count} needed: pick another instance type or region`);
        }
        return usable.slice(0, count);
    });
}
