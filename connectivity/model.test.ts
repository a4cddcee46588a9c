/**
 * The connectivity model on real plans: meshes planned by the real program (as `npm run plan
 * -- --stack X --json` does), checked whole. Each defect the model was built to find is shown
 * both ways: the plan as the program makes it now is all ok, and the same plan put back to the
 * old behaviour fails on the named pair and hop.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { before, describe, it } from "node:test";
import { planMembers } from "../scripts/plan/plan-members";
import type { PlanDocument } from "../scripts/plan/report";
import { writeProject, type MemberSpec } from "../test/stack-files";
import { formatConnectivity } from "./format";
import { checkConnectivity } from "./model";
import type { MemberPlan, PlannedResource } from "./plans";
import { syntheticPlans } from "./test-plans";
import { member } from "../test/stack-files";

async function planMesh(specs: MemberSpec[]): Promise<PlanDocument[]> {
    const dir = writeProject(specs);
    try {
        const runs = await planMembers(dir, specs.map((s) => s.stack));
        return runs.map((r) => {
            assert.ok(r.plan, `plan of ${r.stack} failed: ${r.error}`);
            return r.plan;
        });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** A copy of `plans` with `edit` applied to the resources of `stack`. */
function edited(plans: readonly MemberPlan[], stack: string, edit: (resources: PlannedResource[]) => PlannedResource[]): MemberPlan[] {
    return plans.map((p) => (p.stack === stack ? { ...p, resources: edit(structuredClone([...p.resources])) } : p));
}

function valuesOf(resources: PlannedResource[]): any {
    return resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!.inputs!.values;
}

const linked = { link: true };
let sample: PlanDocument[];
let mcs118: PlanDocument[];
let mixed: PlanDocument[];

before(async () => {
    // The linked sample mesh of scripts/plan/sample-mesh.ts (k3s, EKS with MCS-API on 1.19, k3s)
    // and an EKS + k3s mesh with MCS-API on 1.18, planned in parallel.
    [sample, mcs118, mixed] = await Promise.all([
        planMesh([
            { stack: "west", id: 1, mesh: linked },
            { stack: "east", id: 2, kind: "eks", mesh: linked, cilium: { mcsAPI: true }, app: { serviceExport: true } },
            { stack: "north", id: 3, mesh: linked },
        ]),
        planMesh([
            { stack: "west", id: 1, mesh: linked, cilium: { version: "1.18.12", mcsAPI: true } },
            { stack: "east", id: 2, kind: "eks", mesh: linked, cilium: { version: "1.18.12", mcsAPI: true } },
        ]),
        // Half way through a rolling upgrade: one member on 1.20, the other still on 1.19.
        planMesh([
            { stack: "west", id: 1, mesh: linked, cilium: { version: "1.20.0" } },
            { stack: "east", id: 2, mesh: linked, cilium: { version: "1.19.6" } },
        ]),
    ]);
});

describe("a linked mesh of k3s and EKS (MCS-API on 1.19), as planned", () => {
    it("connects every ordered pair", () => {
        const report = checkConnectivity(sample);
        assert.deepEqual(report.members, ["west", "east", "north"]);
        assert.equal(report.pairs.length, 6);
        assert.deepEqual(report.pairs.filter((p) => p.status !== "ok"), []);
        assert.match(formatConnectivity(report), /6 ok, 0 not linked yet, 0 failing/);
    });

    it("old behaviour: the EKS NLB host name as `address` is not in the server certificate", () => {
        // East exported the NLB's host name, and its peers dialled it as written.
        const old = sample.map((p) =>
            p.stack === "east"
                ? { ...p, outputs: { ...p.outputs, clustermeshEndpoint: { name: "east", port: 2379, address: "a1b2c3-0abc.elb.us-east-2.amazonaws.com" } } }
                : edited([p], p.stack, (rs) => {
                      const entry = (valuesOf(rs).clustermesh.config.clusters as any[]).find((c) => c.name === "east");
                      delete entry.ips;
                      entry.address = "a1b2c3-0abc.elb.us-east-2.amazonaws.com";
                      return rs;
                  })[0],
        );
        const report = checkConnectivity(old);
        const failing = report.pairs.filter((p) => p.status === "fail");
        assert.deepEqual(failing.map((p) => `${p.from}->${p.to} ${p.hop}`).sort(), ["north->east certificate", "west->east certificate"]);
        assert.match(failing[0].resource!, /east: tls:index\/certRequest:CertRequest east-cilium-server-csr/);
        assert.match(failing[0].message!, /dials https:\/\/a1b2c3-0abc\.elb\.us-east-2\.amazonaws\.com:2379 but the certificate names only/);
    });

    it("old behaviour: the 1.19 CoreDNS auto-configure hook Job on EKS, whose nodes come after the release", () => {
        const report = checkConnectivity(
            edited(sample, "east", (rs) => {
                valuesOf(rs).clustermesh.mcsapi.corednsAutoConfigure.enabled = true;
                return rs;
            }),
        );
        const failing = report.pairs.filter((p) => p.status === "fail");
        assert.deepEqual(failing.map((p) => `${p.from}->${p.to}`).sort(), ["east->north", "east->west", "north->east", "west->east"]);
        assert.ok(failing.every((p) => p.hop === "install" && /hook Job cilium-coredns-mcsapi-autoconfig .* east-nodes that provides it is created after east-cilium-release: the wait never ends/.test(p.message!)), failing[0].message);
    });

    it("old behaviour: the etcd 2379 rule and a peer list per peer are gone; a missing rule is caught", () => {
        const report = checkConnectivity(edited(sample, "west", (rs) => rs.filter((r) => r.name !== "west-link-from-peers-vxlan")));
        const failing = report.pairs.filter((p) => p.status === "fail").map((p) => `${p.from}->${p.to} ${p.hop}`);
        assert.deepEqual(failing.sort(), ["east->west tunnel", "north->west tunnel", "west->east tunnel", "west->north tunnel"]);
        assert.ok(!sample.some((p) => p.resources.some((r) => /from-peers-etcd/.test(r.name))));
    });

    it("old behaviour: native routing with cluster-pool IPAM has no pod route, and its routing CIDR covers VPCs", () => {
        const native = sample.map((p) =>
            edited([p], p.stack, (rs) => {
                const values = valuesOf(rs);
                values.routingMode = "native";
                delete values.tunnelProtocol;
                values.ipv4NativeRoutingCIDR = "10.0.0.0/10";
                return rs;
            })[0],
        );
        const report = checkConnectivity(native);
        assert.ok(report.pairs.every((p) => p.status === "fail" && p.hop === "pod-route"), JSON.stringify(report.pairs[0]));
        assert.match(report.pairs[0].message!, /no route to 10\.21\.0\.0\/16 \(east's pods \(native routing\)\)/);
        // With pod routes (declared outside the program) and pod traffic let in, the routing CIDR is what fails.
        const routed = native.map((p) => ({
            ...p,
            resources: [
                ...p.resources,
                {
                    type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                    name: `${p.stack}-pods`,
                    inputs: { securityGroupId: (p.outputs.network as { securityGroupId: string }).securityGroupId, ipProtocol: "-1", cidrIpv4: "10.0.0.0/8" },
                },
            ],
            outputs: { ...p.outputs, externalRoutes: ["10.11.0.0/16", "10.21.0.0/16", "10.31.0.0/16"] },
        }));
        const next = checkConnectivity(routed);
        assert.ok(next.pairs.some((p) => p.hop === "native-cidr" && /10\.0\.0\.0\/10 also covers 10\.10\.0\.0\/16 of west/.test(p.message!)), JSON.stringify(next.pairs[0]));
    });
});

describe("EKS and k3s with MCS-API on 1.18, as planned", () => {
    it("connects both ways and serves clusterset.local on both (coredns-custom on k3s, the add-on on EKS)", () => {
        const report = checkConnectivity(mcs118);
        assert.deepEqual(report.pairs.map((p) => `${p.from}->${p.to} ${p.status}`), ["west->east ok", "east->west ok"]);
    });

    it("old behaviour: no clusterset.local on k3s", () => {
        const report = checkConnectivity(edited(mcs118, "west", (rs) => rs.filter((r) => r.name !== "west-cilium-coredns-custom")));
        assert.deepEqual(report.pairs.map((p) => `${p.from}->${p.to} ${p.hop ?? "ok"}`), ["west->east dns", "east->west dns"]);
        assert.match(report.pairs[0].fix!, /coredns-custom/);
    });
});

describe("unlinked members", () => {
    it("are judged not linked yet, not failing", () => {
        const unlinked = sample.map((p) => ({ ...p, mesh: { linkedPeers: [], pendingPeers: [{ name: "x", reason: "clustermesh:mesh.link is false" }] } }));
        const report = checkConnectivity(unlinked);
        assert.deepEqual(report.summary, { ok: 0, notLinked: 6, failed: 0 });
    });
});

describe("the in-memory plans of the property tests and the benchmark (test-plans.ts)", () => {
    const specs: MemberSpec[] = [
        { stack: "west", id: 1, mesh: linked },
        { stack: "east", id: 2, kind: "eks", mesh: linked, cilium: { mcsAPI: true }, app: { serviceExport: true } },
        { stack: "north", id: 3, mesh: linked },
    ];
    const network = (plans: readonly MemberPlan[]) =>
        plans
            .flatMap((p) => p.resources)
            .filter((r) => /aws:ec2\/(route|vpcPeeringConnection|vpcPeeringConnectionAccepter|managedPrefixList):/.test(r.type) || /-link-from-peers-|-server-csr$/.test(r.name))
            .map((r) => {
                const i = r.inputs ?? {};
                return `${r.type} ${r.name} ${JSON.stringify([i.routeTableId, i.destinationCidrBlock, i.vpcPeeringConnectionId, i.vpcId, i.peerVpcId, i.entries, i.maxEntries, i.securityGroupId, i.ipProtocol, i.fromPort, i.toPort, i.prefixListId, i.dnsNames])}`;
            })
            .sort();

    it("build the same network, certificate names and verdicts as the real program", () => {
        const synthetic = syntheticPlans(specs.map(member));
        assert.ok(network(sample).length > 20, "routes, peerings, prefix lists, peer rules and server CSRs are compared");
        assert.deepEqual(network(synthetic), network(sample));
        const verdicts = (plans: readonly MemberPlan[]) => checkConnectivity(plans).pairs.map((p) => `${p.from}->${p.to} ${p.status} ${p.hop ?? ""}`);
        assert.deepEqual(verdicts(synthetic), verdicts(sample));
        for (const real of sample) {
            const mine = synthetic.find((p) => p.stack === real.stack)!;
            assert.deepEqual(valuesOf([...mine.resources]).clustermesh.config, valuesOf([...real.resources]).clustermesh.config);
        }
    });
});

const SECRET = "kubernetes:core/v1:Secret";
const SIGNED = "tls:index/locallySignedCert:LocallySignedCert";
const otherCa = "-----BEGIN CERTIFICATE-----\nb3RoZXIgY2E=\n-----END CERTIFICATE-----\n";

describe("certificates as Cilium 1.20 reads them, and trust through tls.caBundle", () => {
    const pairs = (plans: readonly MemberPlan[]) => checkConnectivity(plans).pairs.map((p) => `${p.from}->${p.to} ${p.status}${p.hop ? ` ${p.hop}` : ""}`);

    it("connects a mesh half on 1.20 and half on 1.19; every member plans the chart's four certificate Secrets and no certificate value", () => {
        assert.deepEqual(pairs(mixed), ["west->east ok", "east->west ok"]);
        for (const plan of mixed) {
            const secrets = plan.resources.filter((r) => r.type === SECRET).map((r) => String((r.inputs?.metadata as { name?: string } | undefined)?.name)).sort();
            assert.deepEqual(secrets, ["clustermesh-apiserver-admin-cert", "clustermesh-apiserver-local-cert", "clustermesh-apiserver-remote-cert", "clustermesh-apiserver-server-cert"], plan.stack);
            const tls = valuesOf([...plan.resources]).clustermesh.apiserver.tls;
            assert.equal(tls.server ?? tls.admin ?? tls.remote, undefined, plan.stack);
        }
    });

    it("old behaviour: certificates the 1.20 chart no longer writes, and no Secret planned for them", () => {
        const report = checkConnectivity(edited(mixed, "west", (rs) => rs.filter((r) => !(r.type === SECRET && /server-cert|remote-cert/.test(r.name)))));
        const failing = report.pairs.filter((p) => p.status === "fail");
        assert.deepEqual(failing.map((p) => `${p.from}->${p.to} ${p.hop}`), ["west->east certificate", "east->west certificate"]);
        assert.match(failing[0].message!, /mounts clustermesh-apiserver-server-cert, clustermesh-apiserver-remote-cert in kube-system, which neither the chart nor the plan creates/);
    });

    it("a member that does not trust its peer's issuer fails both ways: the peer's server, and the peer's agents at its own server", () => {
        const report = checkConnectivity(
            edited(mixed, "west", (rs) => {
                valuesOf(rs).tls.caBundle.content = otherCa;
                return rs;
            }),
        );
        const failing = report.pairs.filter((p) => p.status === "fail");
        assert.deepEqual(failing.map((p) => `${p.from}->${p.to} ${p.hop}`), ["west->east certificate", "east->west certificate"]);
        assert.match(failing[0].message!, /is issued by the CA sha256:[0-9a-f]{12}, which west does not trust/);
        assert.match(failing[1].message!, /which west does not trust: west's clustermesh-apiserver refuses east's agents/);
    });

    it("a CA rotation's states: both trusted, then one member re-issued, connect; dropping the old CA before every member is re-issued does not", () => {
        const trustBoth = (plans: readonly MemberPlan[]) =>
            plans.flatMap((p) =>
                edited([p], p.stack, (rs) => {
                    const values = valuesOf(rs);
                    values.tls.caBundle.content = `${values.tls.caBundle.content}${otherCa}`;
                    return rs;
                }),
            );
        const reissue = (plans: readonly MemberPlan[], stack: string) =>
            edited(plans, stack, (rs) => rs.map((r) => (r.type === SIGNED ? { ...r, inputs: { ...r.inputs, caCertPem: otherCa } } : r)));
        const dropOld = (plans: readonly MemberPlan[], stack: string) =>
            edited(plans, stack, (rs) => {
                valuesOf(rs).tls.caBundle.content = otherCa;
                return rs;
            });
        const wave1 = trustBoth(mixed);
        assert.deepEqual(pairs(wave1), ["west->east ok", "east->west ok"]);
        const halfReissued = reissue(wave1, "west");
        assert.deepEqual(pairs(halfReissued), ["west->east ok", "east->west ok"]);
        assert.deepEqual(pairs(dropOld(halfReissued, "west")), ["west->east fail certificate", "east->west fail certificate"]);
        const wave2 = reissue(halfReissued, "east");
        assert.deepEqual(pairs(dropOld(dropOld(wave2, "west"), "east")), ["west->east ok", "east->west ok"]);
    });
});
