import assert from "node:assert/strict";
import { RENEW_BEFORE_DAYS } from "../../scripts/verify/certificates";
import { before, describe, it } from "node:test";
import { installMockEngine, peek, settle, type MockEngine, type RecordedResource } from "../../scripts/plan/mock-engine";
import { member } from "../../test/stack-files";
import { DEFAULT_CILIUM_VERSION } from "../../lib/defaults";

let engine: MockEngine;
let cluster: import("../../test/test-cluster").TestCluster;
let release: import("./cilium-release").CiliumRelease;
const byName = (name: string): RecordedResource => {
    const found = engine.resources.find((r) => r.name === name);
    assert.ok(found, `no resource named ${name}; have ${engine.resources.map((r) => r.name).join(", ")}`);
    return found;
};

before(async () => {
    engine = await installMockEngine("west");
    const { TestCluster } = await import("../../test/test-cluster");
    const { CiliumRelease } = await import("./cilium-release");
    const { MeshCertificateAuthority } = await import("../mesh/certificate-authority");
    const west = member({ stack: "west", id: 1 });
    cluster = new TestCluster("west");
    const ca = new MeshCertificateAuthority("mesh-ca");
    release = new CiliumRelease("west-cilium", {
        cluster,
        clusterId: 1,
        podCIDR: west.cluster.podCIDR,
        cilium: west.cilium,
        ca,
        peers: [{ name: "east", port: 32379, ips: ["10.20.0.10"] }],
    });
    await settle();
});

describe("CiliumRelease", () => {
    it("installs the chart with helm.v3.Release under the component, on the cluster's provider", () => {
        const helm = byName("west-cilium-release");
        assert.equal(helm.type, "kubernetes:helm.sh/v3:Release");
        assert.equal(helm.parent, byName("west-cilium").urn);
        assert.equal(helm.provider, byName("west-provider").urn);
        assert.equal(helm.deletedWith, byName("west-provider").urn);
        assert.equal(helm.inputs.chart, "cilium");
        assert.equal(helm.inputs.version, DEFAULT_CILIUM_VERSION);
        assert.equal(helm.inputs.namespace, "kube-system");
        assert.equal(helm.inputs.name, "cilium");
        assert.equal(helm.inputs.skipAwait, false);
    });

    it("passes the values as a secret, with the peers and the CA", () => {
        const helm = byName("west-cilium-release");
        assert.ok(helm.secretInputs.includes("values"));
        const values = helm.inputs.values as Record<string, any>;
        assert.deepEqual(values.clustermesh.config.clusters, [{ ips: ["10.20.0.10"], name: "east", port: 32379 }]);
        assert.equal(Buffer.from(values.tls.ca.cert, "base64").toString(), "-----BEGIN CERTIFICATE-----\nbW9jayBDRVJUSUZJQ0FURSBmb3IgbWVzaC1jYS1jZXJ0\n-----END CERTIFICATE-----\n");
    });

    it("issues server, admin, remote and local certificates signed by the mesh CA", () => {
        for (const role of ["server", "admin", "remote", "local"]) {
            const cert = byName(`west-cilium-${role}-cert`);
            assert.equal(cert.type, "tls:index/locallySignedCert:LocallySignedCert");
            assert.equal(cert.parent, byName("west-cilium").urn);
            assert.ok(cert.secretInputs.includes("caPrivateKeyPem"));
            assert.ok(String(cert.inputs.caCertPem).includes(Buffer.from("mock CERTIFICATE for mesh-ca-cert").toString("base64")));
        }
        assert.equal((byName("west-cilium-admin-csr").inputs.subject as { commonName: string }).commonName, "admin-west");
    });

    it("renews every leaf certificate on the first up within 30 days of its expiry (tls earlyRenewalHours), the CA never", () => {
        // The tls provider marks a certificate for replacement at plan time once inside
        // earlyRenewalHours; npm run verify fails from the same 30 days on.
        for (const role of ["server", "admin", "remote", "local"]) {
            const cert = byName(`west-cilium-${role}-cert`);
            assert.equal(cert.inputs.earlyRenewalHours, RENEW_BEFORE_DAYS * 24, role);
            assert.ok(Number(cert.inputs.validityPeriodHours) > Number(cert.inputs.earlyRenewalHours) * 10, role);
        }
    });

    it("creates the four certificate Secrets the chart mounts, before the release, as Pulumi secrets", () => {
        for (const role of ["server", "admin", "remote", "local"]) {
            const secret = byName(`west-cilium-${role}-cert-secret`);
            assert.equal(secret.type, "kubernetes:core/v1:Secret");
            assert.equal(secret.parent, byName("west-cilium").urn);
            assert.deepEqual(secret.inputs.metadata, { name: `clustermesh-apiserver-${role}-cert`, namespace: "kube-system" });
            assert.equal(secret.inputs.type, "kubernetes.io/tls");
            assert.ok(secret.secretInputs.includes("stringData"), role);
            assert.deepEqual(Object.keys(secret.inputs.stringData as object).sort(), ["ca.crt", "tls.crt", "tls.key"]);
            assert.ok(byName("west-cilium-release").dependsOn.includes(secret.urn), role);
        }
    });

    it("trusts the mesh CA through tls.caBundle, and gives no leaf certificate as a value", () => {
        const values = byName("west-cilium-release").inputs.values as Record<string, any>;
        assert.equal(values.tls.caBundle.enabled, true);
        assert.equal(values.tls.caBundle.content, "-----BEGIN CERTIFICATE-----\nbW9jayBDRVJUSUZJQ0FURSBmb3IgbWVzaC1jYS1jZXJ0\n-----END CERTIFICATE-----\n");
        assert.deepEqual(Object.keys(values.clustermesh.apiserver.tls), ["auto"]);
    });

    it("hands the release to the cluster (EKS joins its nodes after it)", () => {
        assert.equal(cluster.attached.length, 1);
        assert.equal(cluster.attached[0], release.release);
    });

    it("exposes the values as a secret output", async () => {
        const { secret } = await peek(release.values);
        assert.equal(secret, true);
    });
});

describe("CiliumRelease argument checks", () => {
    it("refuses a bad id, CIDR and Cilium 1.18.0 at once, before creating anything", async () => {
        const { CiliumRelease } = await import("./cilium-release");
        const west = member({ stack: "west", id: 1 });
        const before = engine.resources.length;
        assert.throws(
            () => new CiliumRelease("bad", { cluster, clusterId: 0, podCIDR: "10.11.0.1/16", cilium: { ...west.cilium, version: "1.18.0" }, ca: { certPem: "x", privateKeyPem: "y" } }),
            /clusterId 0 is outside 1-255.*podCIDR 10\.11\.0\.1\/16 is not a CIDR block.*1\.18\.0 breaks global-service load-balancing \(cilium #40848\)/,
        );
        await settle();
        assert.equal(engine.resources.filter((r) => r.name.startsWith("bad-")).length, 0);
        assert.ok(engine.resources.length >= before);
    });
});

describe("MCS-API per Cilium version", () => {
    it("1.18 gets the MCS-API CRDs from the program before the release and enableMCSAPISupport", async () => {
        const { CiliumRelease } = await import("./cilium-release");
        const m = member({ stack: "west", id: 1, cilium: { version: "1.18.12", mcsAPI: true } });
        new CiliumRelease("mcs18", { cluster, clusterId: 1, podCIDR: m.cluster.podCIDR, cilium: m.cilium, ca: { certPem: "c", privateKeyPem: "k" } });
        await settle();
        const crds = engine.resources.filter((r) => r.name.startsWith("mcs18-crd-"));
        assert.deepEqual(crds.map((c) => (c.inputs.metadata as { name: string }).name).sort(), ["serviceexports.multicluster.x-k8s.io", "serviceimports.multicluster.x-k8s.io"]);
        const helm = byName("mcs18-release");
        assert.ok(crds.every((c) => helm.dependsOn.includes(c.urn)));
        assert.equal((helm.inputs.values as any).clustermesh.enableMCSAPISupport, true);
        // 1.18's chart configures no DNS for clusterset.local; on k3s it goes in coredns-custom (k3s #4397).
        assert.match(String((byName("mcs18-coredns-custom").inputs.data as Record<string, string>)["clusterset.server"]), /kubernetes clusterset\.local \{\n\s+multicluster clusterset\.local/);
        assert.ok(JSON.stringify(byName("mcs18-coredns-mcsapi").inputs.rules).includes("serviceimports"));
    });

    it("1.19 lets the chart install the CRDs; CoreDNS is configured by the program, not the chart's hook Job", async () => {
        const { CiliumRelease } = await import("./cilium-release");
        const m = member({ stack: "west", id: 1, cilium: { mcsAPI: true } });
        new CiliumRelease("mcs19", { cluster, clusterId: 1, podCIDR: m.cluster.podCIDR, cilium: m.cilium, ca: { certPem: "c", privateKeyPem: "k" } });
        await settle();
        assert.equal(engine.resources.filter((r) => r.name.startsWith("mcs19-crd-")).length, 0);
        assert.deepEqual((byName("mcs19-release").inputs.values as any).clustermesh.mcsapi, { corednsAutoConfigure: { enabled: false }, enabled: true });
        const custom = byName("mcs19-coredns-custom");
        assert.deepEqual(custom.inputs.metadata, { name: "coredns-custom", namespace: "kube-system" });
        assert.ok(byName("mcs19-coredns-mcsapi-binding").dependsOn.includes(byName("mcs19-coredns-mcsapi").urn));
    });
});
