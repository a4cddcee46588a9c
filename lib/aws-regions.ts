/**
 * The AWS regions of the `aws` partition a member may be built in: a typo (`us-wset-2`) would
 * otherwise plan and fail at the first API call, after the mesh CA was created. Source: the
 * `Region` enum of @pulumi/aws 7.x (types/enums), itself the AWS endpoints list, less the
 * GovCloud, China and ISO partitions (other ARNs, no public Ubuntu images under the owner the
 * k3s VMs use). lib/aws-regions.test.ts compares this table with the enum.
 */
export const AWS_REGIONS = [
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
] as const;

export function isAwsRegion(region: string): boolean {
    return (AWS_REGIONS as readonly string[]).includes(region);
}
