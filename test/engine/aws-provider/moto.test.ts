/**
 * The moto client's requests and the reading of its answers, without moto: the responses here
 * are moto 5.2's own (captured from moto_server), so a change in how this client signs, encodes
 * or parses shows here in milliseconds rather than as a failed engine run.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { AwsError, ec2Client, errorOf, formBody, parseXml, tagSpecification, toValue, type Ec2Call } from "./moto";
import { MOTO_TYPES, motoDataSources } from "./moto-types";

const CREATE_VPC = `<?xml version="1.0" encoding="utf-8"?>
<CreateVpcResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><vpc><ownerId>123456789012</ownerId><instanceTenancy>default</instanceTenancy><ipv6CidrBlockAssociationSet/><cidrBlockAssociationSet><item><associationId>vpc-cidr-assoc-dddb06642ddce1ceb</associationId><cidrBlock>10.2.0.0/16</cidrBlock><cidrBlockState><state>associated</state></cidrBlockState></item></cidrBlockAssociationSet><isDefault>false</isDefault><tagSet><item><key>Name</key><value>a &amp; b &lt;c&gt;</value></item></tagSet><vpcId>vpc-4ea5ffa6498fa27e7</vpcId><state>available</state><cidrBlock>10.2.0.0/16</cidrBlock><dhcpOptionsId>default</dhcpOptionsId></vpc><requestId>request-id</requestId></CreateVpcResponse>`;

const SUBNET_RANGE = `<?xml version="1.0" encoding="utf-8"?>
<Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><Errors><Error><Code>InvalidSubnet.Range</Code><Message>The CIDR '10.9.0.0/24' is invalid.</Message></Error></Errors><RequestID>request-id</RequestID></Response>`;

test("an EC2 answer reads as plain data: leaves as text, item lists as arrays, empty …Set elements as empty arrays, entities decoded", () => {
    const doc = parseXml(CREATE_VPC);
    assert.equal(doc.name, "CreateVpcResponse");
    const vpc = (toValue(doc) as { vpc: Record<string, unknown> }).vpc;
    assert.equal(vpc.vpcId, "vpc-4ea5ffa6498fa27e7");
    assert.equal(vpc.cidrBlock, "10.2.0.0/16");
    assert.deepEqual(vpc.ipv6CidrBlockAssociationSet, []);
    assert.deepEqual(vpc.tagSet, [{ key: "Name", value: "a & b <c>" }]);
    assert.deepEqual(vpc.cidrBlockAssociationSet, [{ associationId: "vpc-cidr-assoc-dddb06642ddce1ceb", cidrBlock: "10.2.0.0/16", cidrBlockState: { state: "associated" } }]);
    assert.equal(errorOf("CreateVpc", doc), undefined);
});

test("malformed XML is refused, not read as half an answer", () => {
    assert.throws(() => parseXml("<a><b>x</a>"), /closes/);
    assert.throws(() => parseXml("<a><b>x</b>"), /never closed/);
    assert.throws(() => parseXml("plain text"), /not one root element|not XML/);
});

test("an EC2 error answer becomes AWS's code and message", () => {
    const error = errorOf("CreateSubnet", parseXml(SUBNET_RANGE));
    assert.ok(error instanceof AwsError);
    assert.equal(error.code, "InvalidSubnet.Range");
    assert.equal(error.message, "CreateSubnet: InvalidSubnet.Range: The CIDR '10.9.0.0/24' is invalid.");
});

test("a request is a form POST naming the region in the credential scope, parameters sorted, undefined ones left out", async () => {
    const sent: Array<{ url: string; init: RequestInit }> = [];
    const fakeFetch = ((url: string, init: RequestInit) => {
        sent.push({ url, init });
        return Promise.resolve(new Response(CREATE_VPC, { status: 200 }));
    }) as unknown as typeof fetch;
    const ec2 = ec2Client("http://127.0.0.1:5000", fakeFetch);
    const r = await ec2("us-west-2", "CreateVpc", { CidrBlock: "10.2.0.0/16", InstanceTenancy: undefined, ...tagSpecification("vpc", { b: "2", a: "1" }) });
    assert.equal((r.vpc as Record<string, unknown>).vpcId, "vpc-4ea5ffa6498fa27e7");
    assert.equal(sent.length, 1);
    assert.equal(sent[0].url, "http://127.0.0.1:5000/");
    assert.equal(sent[0].init.method, "POST");
    const headers = sent[0].init.headers as Record<string, string>;
    assert.match(headers.Authorization ?? "", /^AWS4-HMAC-SHA256 Credential=[A-Z0-9]+\/\d{8}\/us-west-2\/ec2\/aws4_request, /);
    assert.match(headers["Content-Type"] ?? "", /^application\/x-www-form-urlencoded/);
    assert.equal(
        sent[0].init.body,
        "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.2.0.0%2F16&TagSpecification.1.ResourceType=vpc&TagSpecification.1.Tag.1.Key=a&TagSpecification.1.Tag.1.Value=1&TagSpecification.1.Tag.2.Key=b&TagSpecification.1.Tag.2.Value=2",
    );
});

test("an error answer (HTTP 400) rejects with AWS's code; an answer that is not EC2's names the endpoint", async () => {
    const answer = (body: string, status: number) => ec2Client("http://moto", () => Promise.resolve(new Response(body, { status })));
    await assert.rejects(answer(SUBNET_RANGE, 400)("us-east-1", "CreateSubnet"), (e: unknown) => e instanceof AwsError && e.code === "InvalidSubnet.Range");
    await assert.rejects(answer("<html>Bad Gateway", 502)("us-east-1", "CreateSubnet"), /CreateSubnet: moto at http:\/\/moto answered HTTP 502 with no EC2 response/);
});

test("no tags, no tag specification (EC2 refuses an empty one)", () => {
    assert.deepEqual(tagSpecification("vpc", {}), {});
    assert.deepEqual(tagSpecification("vpc", undefined), {});
    assert.equal(formBody("DescribeVpcs", {}), "Action=DescribeVpcs&Version=2016-11-15");
});

/** A fake EC2 that records calls and answers from `answers` by action. */
function fakeEc2(answers: Record<string, Record<string, unknown>>): { ec2: Ec2Call; calls: Array<[string, string, Record<string, unknown>]> } {
    const calls: Array<[string, string, Record<string, unknown>]> = [];
    const ec2: Ec2Call = (region, action, params = {}) => {
        calls.push([region, action, { ...params }]);
        return Promise.resolve(answers[action] ?? {});
    };
    return { ec2, calls };
}

test("a VPC is created with one ModifyVpcAttribute per attribute (EC2's rule) and the defaults AWS made for it", async () => {
    const { ec2, calls } = fakeEc2({
        CreateVpc: { vpc: { vpcId: "vpc-1", cidrBlock: "10.0.0.0/16", ownerId: "123456789012", dhcpOptionsId: "dopt-1" } },
        DescribeRouteTables: { routeTableSet: [{ routeTableId: "rtb-main" }] },
        DescribeSecurityGroups: { securityGroupInfo: [{ groupId: "sg-default" }] },
        DescribeNetworkAcls: { networkAclSet: [{ networkAclId: "acl-default" }] },
    });
    const { id, outs } = await MOTO_TYPES["aws:ec2/vpc:Vpc"].create({ cidrBlock: "10.0.0.0/16", enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: "x" } }, { ec2, region: "us-west-2", urn: "urn:pulumi:s::p::aws:ec2/vpc:Vpc::x" });
    assert.equal(id, "vpc-1");
    assert.deepEqual(
        calls.filter(([, a]) => a === "ModifyVpcAttribute").map(([, , p]) => p),
        [
            { VpcId: "vpc-1", "EnableDnsSupport.Value": "true" },
            { VpcId: "vpc-1", "EnableDnsHostnames.Value": "true" },
        ],
    );
    assert.ok(calls.every(([r]) => r === "us-west-2"));
    assert.equal(outs.mainRouteTableId, "rtb-main");
    assert.equal(outs.defaultSecurityGroupId, "sg-default");
    assert.equal(outs.arn, "arn:aws:ec2:us-west-2:123456789012:vpc/vpc-1");
});

test("a peering's accepter accepts in its own region only while pending, and reads the connection as Terraform does", async () => {
    const pcx = (code: string) => ({ vpcPeeringConnectionSet: [{ vpcPeeringConnectionId: "pcx-1", status: { code }, requesterVpcInfo: { vpcId: "vpc-w", ownerId: "1", region: "us-west-2" }, accepterVpcInfo: { vpcId: "vpc-e", ownerId: "2", region: "us-east-1" } }] });
    const { ec2, calls } = fakeEc2({ DescribeVpcPeeringConnections: pcx("pending-acceptance") });
    const { id, outs } = await MOTO_TYPES["aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter"].create({ vpcPeeringConnectionId: "pcx-1", autoAccept: true }, { ec2, region: "us-east-1", urn: "u" });
    assert.equal(id, "pcx-1");
    assert.deepEqual(calls.filter(([, a]) => a === "AcceptVpcPeeringConnection"), [["us-east-1", "AcceptVpcPeeringConnection", { VpcPeeringConnectionId: "pcx-1" }]]);
    assert.deepEqual({ vpcId: outs.vpcId, peerVpcId: outs.peerVpcId, peerRegion: outs.peerRegion }, { vpcId: "vpc-w", peerVpcId: "vpc-e", peerRegion: "us-east-1" });

    const active = fakeEc2({ DescribeVpcPeeringConnections: pcx("active") });
    await MOTO_TYPES["aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter"].create({ vpcPeeringConnectionId: "pcx-1", autoAccept: true }, { ec2: active.ec2, region: "us-east-1", urn: "u" });
    assert.ok(!active.calls.some(([, a]) => a === "AcceptVpcPeeringConnection"), "an active peering is not accepted again");
});

test("zones from moto are filtered as asked, the excluded ones dropped and sorted by name", async () => {
    const { ec2, calls } = fakeEc2({
        DescribeAvailabilityZones: {
            availabilityZoneInfo: [
                { zoneName: "us-west-1b", zoneId: "usw1-az3" },
                { zoneName: "us-west-1a", zoneId: "usw1-az1" },
            ],
        },
    });
    const zones = await motoDataSources(ec2, () => "us-west-1")["aws:index/getAvailabilityZones:getAvailabilityZones"]({ state: "available", excludeZoneIds: ["usw1-az3"], filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] }, { config: {} });
    assert.deepEqual(zones.names, ["us-west-1a"]);
    assert.deepEqual(zones.zoneIds, ["usw1-az1"]);
    assert.deepEqual(calls[0][2], { AllAvailabilityZones: undefined, "Filter.1.Name": "state", "Filter.1.Value.1": "available", "Filter.2.Name": "opt-in-status", "Filter.2.Value.1": "opt-in-not-required", NextToken: undefined });
});
