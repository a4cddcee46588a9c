import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { checkCertificates, RENEW_BEFORE_DAYS, type CertificateSource } from "./certificates";
import { runChecks, type ClusterClient, type Clock, type MeshExpectation } from "./checks";
import { KubectlClient } from "./kubectl-client";

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, "fixtures", name), "utf8");
const caPem = fixture("mesh-ca.pem");
const leafPem = fixture("clustermesh-server.pem");
const caExpiry = new Date(new X509Certificate(caPem).validTo);
const leafExpiry = new Date(new X509Certificate(leafPem).validTo);
const DAY = 24 * 60 * 60 * 1000;
const before = (date: Date, days: number) => new Date(date.getTime() - days * DAY);

const sources: CertificateSource[] = [
    { source: "kube-system/cilium-ca ca.crt", pem: caPem },
    { source: "kube-system/clustermesh-apiserver-server-cert tls.crt", pem: leafPem },
    { source: "kube-system/clustermesh-apiserver-server-cert ca.crt", pem: caPem },
];

describe("certificate expiry (issue 13)", () => {
    it("passes, listing the mesh CA and each certificate once with its expiry, when none is within 30 days", () => {
        const result = checkCertificates(sources, before(leafExpiry, 100));
        assert.equal(result.ok, true, result.detail);
        assert.equal(result.name, "certificate expiry");
        const parts = result.detail.split("; ");
        assert.equal(parts.length, 2, "the CA read from two Secrets is listed once");
        assert.match(parts[0], new RegExp(`^CN=clustermesh-apiserver\\.cilium\\.io \\(kube-system/clustermesh-apiserver-server-cert tls\\.crt\\) expires ${leafExpiry.toISOString().slice(0, 10)}, 100 days left$`));
        assert.match(parts[1], new RegExp(`^mesh CA \\(kube-system/cilium-ca ca\\.crt\\) expires ${caExpiry.toISOString().slice(0, 10)}, \\d+ days left$`));
    });

    it("fails within 30 days of a leaf's expiry, pointing at pulumi up", () => {
        const result = checkCertificates(sources, before(leafExpiry, RENEW_BEFORE_DAYS - 1));
        assert.equal(result.ok, false);
        assert.match(result.detail, /^1 of 2 expire within 30 days: .*29 days left.*; run pulumi up on the stack: it re-issues clustermesh certificates within 30 days of their expiry$/);
    });

    it("fails on an expired certificate and a CA near its end, pointing at the CA rotation", () => {
        const result = checkCertificates(sources, before(caExpiry, 5));
        assert.equal(result.ok, false);
        assert.match(result.detail, /^2 of 2 expire within 30 days: .*EXPIRED \d+ days ago.*mesh CA .*5 days left.*rotate the mesh CA \(README: Rotate the mesh CA\)$/);
    });

    it("fails when nothing can be read, and names what is not a certificate", () => {
        assert.match(checkCertificates([], new Date()).detail, /^no clustermesh certificate could be read/);
        assert.equal(checkCertificates([], new Date()).ok, false);
        const mixed = checkCertificates([...sources, { source: "kube-system/x tls.crt", pem: "garbage" }], before(leafExpiry, 100));
        assert.match(mixed.detail, /; not a certificate: kube-system\/x tls\.crt$/);
    });

    it("runs first in npm run verify when the client reads certificates", async () => {
        let time = 0;
        const clock: Clock = {
            now: () => time,
            sleep: (ms) => {
                time += ms;
                return Promise.resolve();
            },
        };
        const client: ClusterClient = {
            name: "west",
            ciliumStatus: () => Promise.reject(new Error("no agents")),
            request: () => Promise.resolve([]),
            getReplicas: () => Promise.resolve({ desired: 1, ready: 1, current: 1 }),
            scale: () => Promise.resolve(),
            certificates: () => Promise.resolve(sources),
        };
        const mesh = { local: "west", file: "Pulumi.west.yaml", linked: true, peers: ["east"], app: { enabled: true, name: "echo", namespace: "mesh-demo", replicas: 1, affinity: "none" }, localServes: true, remoteServers: [], silentPeers: [] } as MeshExpectation;
        const results = await runChecks(client, mesh, { requests: 1, timeoutMs: 1, failover: false, clock, today: () => before(leafExpiry, 3) });
        assert.deepEqual(
            results.slice(0, 2).map((r) => [r.name, r.ok]),
            [
                ["certificate expiry", false],
                ["mesh peers connected", false],
            ],
        );
    });

    it("KubectlClient reads each clustermesh Secret by name and skips missing ones", async () => {
        const calls: string[][] = [];
        const client = new KubectlClient({
            name: "west",
            kubeconfig: "apiVersion: v1\n",
            namespace: "mesh-demo",
            run: (args) => {
                calls.push(args.slice(2));
                const secret = args[6];
                if (secret === "cilium-ca") {
                    return Promise.resolve(JSON.stringify({ data: { "ca.crt": Buffer.from(caPem).toString("base64") } }));
                }
                if (secret === "clustermesh-apiserver-server-cert") {
                    return Promise.resolve(JSON.stringify({ data: { "tls.crt": Buffer.from(leafPem).toString("base64"), "tls.key": "c2VjcmV0" } }));
                }
                return Promise.resolve("");
            },
        });
        try {
            const read = await client.certificates();
            assert.deepEqual(
                read.map((r) => r.source),
                ["kube-system/cilium-ca ca.crt", "kube-system/clustermesh-apiserver-server-cert tls.crt"],
            );
            assert.equal(read[1].pem, leafPem);
            assert.deepEqual(calls[0], ["-n", "kube-system", "get", "secret", "cilium-ca", "--ignore-not-found", "-o", "json"]);
            assert.ok(!read.some((r) => r.pem.includes("secret")), "private keys are never read into the report");
        } finally {
            await client.dispose();
        }
    });
});
