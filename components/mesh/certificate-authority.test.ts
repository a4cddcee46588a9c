import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { installMockEngine, peek, settle, type MockEngine } from "../../scripts/plan/mock-engine";

let engine: MockEngine;
let ca: import("./certificate-authority").MeshCertificateAuthority;

before(async () => {
    engine = await installMockEngine("west");
    const { MeshCertificateAuthority } = await import("./certificate-authority");
    ca = new MeshCertificateAuthority("mesh-ca");
    await settle();
});

describe("MeshCertificateAuthority", () => {
    it("is a key and a self-signed CA certificate under the component", () => {
        const parent = engine.resources.find((r) => r.name === "mesh-ca")!;
        assert.equal(parent.type, "clustermesh:mesh:MeshCertificateAuthority");
        const key = engine.resources.find((r) => r.name === "mesh-ca-key")!;
        const cert = engine.resources.find((r) => r.name === "mesh-ca-cert")!;
        assert.equal(key.type, "tls:index/privateKey:PrivateKey");
        assert.deepEqual([key.inputs.algorithm, key.inputs.ecdsaCurve], ["ECDSA", "P256"]);
        assert.equal(cert.type, "tls:index/selfSignedCert:SelfSignedCert");
        assert.equal(cert.inputs.isCaCertificate, true);
        assert.equal(cert.inputs.validityPeriodHours, 87600);
        assert.ok((cert.inputs.allowedUses as string[]).includes("cert_signing"));
        assert.ok([key, cert].every((r) => r.parent === parent.urn));
    });

    it("keeps the private key secret and the certificate public", async () => {
        assert.equal((await peek(ca.privateKeyPem)).secret, true);
        assert.equal((await peek(ca.certPem)).secret, false);
    });

    it("refuses a validity too short to be a mesh CA", async () => {
        const { MeshCertificateAuthority } = await import("./certificate-authority");
        assert.throws(() => new MeshCertificateAuthority("short", { validityPeriodHours: 10 }), /validityPeriodHours 10 is too short/);
    });
});
