import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { member } from "../../test/stack-files";
import { ciliumAtLeast, SUPPORTED_CILIUM_MINORS } from "../../lib/cilium-version";
import { buildCiliumValues, leafCertificateSubjects, mcsApiValues, peerEntries, trustBundle, type CiliumValuesInput, type HelmValues } from "./values";

const certs = (tag: string) => ({ cert: `${tag}-cert`, key: `${tag}-key` });

function input(overrides: Partial<CiliumValuesInput> = {}, cilium: Record<string, unknown> = {}): CiliumValuesInput {
    const west = member({ stack: "west", id: 1, cilium });
    return {
        clusterName: "west",
        clusterId: 1,
        kind: "k3s",
        podCIDR: west.cluster.podCIDR,
        cilium: west.cilium,
        apiServerHost: "10.10.0.10",
        apiServerPort: 6443,
        certificates: { ca: certs("ca"), trustBundle: "ca-bundle" },
        peers: [
            { name: "east", port: 32379, ips: ["10.20.0.10"] },
            { name: "west", port: 32379, ips: ["10.10.0.10"] },
        ],
        ...overrides,
    };
}

const at = (values: HelmValues, path: string): unknown => path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], values);

describe("buildCiliumValues", () => {
    const values = buildCiliumValues(input());

    it("sets the mesh identity and the member's own pod pool (never the chart's 10.0.0.0/8)", () => {
        assert.deepEqual(at(values, "cluster"), { id: 1, name: "west" });
        assert.equal(at(values, "ipam.mode"), "cluster-pool");
        assert.deepEqual(at(values, "ipam.operator.clusterPoolIPv4PodCIDRList"), ["10.11.0.0/16"]);
    });

    it("turns on the clustermesh-apiserver with KVStoreMesh and a fixed NodePort", () => {
        assert.equal(at(values, "clustermesh.useAPIServer"), true);
        assert.equal(at(values, "clustermesh.apiserver.kvstoremesh.enabled"), true);
        assert.deepEqual(at(values, "clustermesh.apiserver.service"), { nodePort: 32379, type: "NodePort" });
        assert.equal(at(values, "clustermesh.maxConnectedClusters"), 255);
    });

    it("gives every member the shared CA and its trust bundle; no leaf certificate is a value on any minor", () => {
        for (const row of SUPPORTED_CILIUM_MINORS) {
            const v = buildCiliumValues(input({}, { version: row.referenceChart }));
            assert.deepEqual(at(v, "tls.ca"), { cert: "ca-cert", key: "ca-key" });
            assert.deepEqual(at(v, "tls.caBundle"), { content: "ca-bundle", enabled: true });
            assert.equal(at(v, "clustermesh.apiserver.tls.auto.enabled"), false, row.minor);
            for (const role of ["server", "admin", "remote"]) {
                assert.equal(at(v, `clustermesh.apiserver.tls.${role}`), undefined, `${row.minor}: ${role} certificate given as a value`);
            }
            // Before 1.20 the chart would write empty Secrets over the program's own.
            assert.equal(at(v, "clustermesh.apiserver.tls.enableSecrets"), ciliumAtLeast(row.referenceChart, 1, 20) ? undefined : false, row.minor);
        }
    });

    it("bundles each trusted CA once, in an order that does not depend on the input's", () => {
        const pem = (tag: string) => `-----BEGIN CERTIFICATE-----\n${Buffer.from(tag).toString("base64")}\n-----END CERTIFICATE-----\n`;
        const oldCa = pem("old"), newCa = pem("new");
        assert.equal(trustBundle([oldCa, newCa]), trustBundle([newCa, oldCa, oldCa]));
        assert.equal(trustBundle([oldCa, newCa]).match(/BEGIN CERTIFICATE/g)?.length, 2);
        assert.equal(trustBundle([`${oldCa}${newCa}`]), trustBundle([oldCa, newCa]));
        assert.equal(trustBundle(["not a certificate"]), "");
    });

    it("lists every peer with its port, and not itself", () => {
        assert.deepEqual(at(values, "clustermesh.config"), { clusters: [{ ips: ["10.20.0.10"], name: "east", port: 32379 }], enabled: true });
    });

    it("replaces kube-proxy with the API server reachable from the nodes", () => {
        assert.equal(at(values, "kubeProxyReplacement"), true);
        assert.equal(at(values, "k8sServiceHost"), "10.10.0.10");
        assert.equal(at(values, "k8sServicePort"), 6443);
    });

    it("tunnels with the configured protocol", () => {
        assert.equal(at(values, "routingMode"), "tunnel");
        assert.equal(at(values, "tunnelProtocol"), "vxlan");
        assert.equal(at(buildCiliumValues(input({}, { tunnelProtocol: "geneve" })), "tunnelProtocol"), "geneve");
    });

    it("routes natively across the mesh's pod range when asked", () => {
        const native = buildCiliumValues(input({ nativeRoutingCIDR: "10.0.0.0/11" }, { routingMode: "native" }));
        assert.equal(at(native, "routingMode"), "native");
        assert.equal(at(native, "tunnelProtocol"), undefined);
        assert.equal(at(native, "ipv4NativeRoutingCIDR"), "10.0.0.0/11");
    });

    it("uses a load balancer for the apiserver when annotations are given (EKS)", () => {
        const eks = buildCiliumValues(input({ kind: "eks", apiserverServiceAnnotations: { "service.beta.kubernetes.io/aws-load-balancer-internal": "true" } }));
        assert.deepEqual(at(eks, "clustermesh.apiserver.service"), {
            annotations: { "service.beta.kubernetes.io/aws-load-balancer-internal": "true" },
            type: "LoadBalancer",
        });
    });

    it("is deterministic: same input, byte-identical JSON, keys sorted at every level", () => {
        const again = buildCiliumValues(input());
        assert.equal(JSON.stringify(values), JSON.stringify(again));
        const check = (node: unknown): void => {
            if (node && typeof node === "object" && !Array.isArray(node)) {
                const keys = Object.keys(node);
                assert.deepEqual(keys, [...keys].sort());
                Object.values(node).forEach(check);
            }
        };
        check(values);
    });

    it("orders peers by name whatever order they arrive in", () => {
        const peers = [
            { name: "north", port: 32379, ips: ["10.30.0.10"] },
            { name: "east", port: 32380, address: "east.example.com" },
        ];
        const entries = peerEntries("west", peers);
        assert.deepEqual(entries.map((e) => e.name), ["east", "north"]);
        assert.deepEqual(entries[0], { address: "east.example.com", name: "east", port: 32380 });
    });
});

describe("MCS-API values follow the chart version", () => {
    it("1.18 uses clustermesh.enableMCSAPISupport", () => {
        assert.deepEqual(mcsApiValues("1.18.12", true), { enableMCSAPISupport: true });
    });
    it("1.19 uses clustermesh.mcsapi, without the chart's CoreDNS hook Job (EKS cannot run it, k3s undoes it)", () => {
        assert.deepEqual(mcsApiValues("1.19.6", true), { mcsapi: { corednsAutoConfigure: { enabled: false }, enabled: true } });
        assert.deepEqual(mcsApiValues("1.19.6", false), { mcsapi: { enabled: false } });
        // kind's kubeadm CoreDNS keeps the chart's edit: there the chart configures clusterset.local itself.
        assert.deepEqual(mcsApiValues("1.19.6", true, true), { mcsapi: { corednsAutoConfigure: { enabled: true }, enabled: true } });
        assert.deepEqual(mcsApiValues("1.18.12", true, true), { enableMCSAPISupport: true });
    });
});

describe("leaf certificate subjects", () => {
    it("match what the chart's helm method would issue", () => {
        const subjects = leafCertificateSubjects("west");
        assert.equal(subjects.server.commonName, "clustermesh-apiserver.cilium.io");
        assert.ok(subjects.server.dnsNames.includes("*.mesh.cilium.io"));
        assert.equal(subjects.admin.commonName, "admin-west");
        assert.equal(subjects.remote.commonName, "remote");
        assert.equal(subjects.local.commonName, "local-west");
    });
});

describe("buildCiliumValues with BGP and on kind", () => {
    it("enables the BGP control plane only when asked", () => {
        assert.equal(at(buildCiliumValues(input()), "bgpControlPlane"), undefined);
        assert.deepEqual(at(buildCiliumValues(input({ bgpControlPlane: true })), "bgpControlPlane"), { enabled: true });
    });

    it("keeps the chart's clustermesh-apiserver Service a NodePort with BGP (the LB-IPAM Service comes after the pool)", () => {
        assert.equal(at(buildCiliumValues(input({ bgpControlPlane: true })), "clustermesh.apiserver.service.type"), "NodePort");
    });

    it("routes directly between nodes on one L2 segment only when asked (kind), with native routing", () => {
        const native = { routingMode: "native" };
        assert.equal(at(buildCiliumValues(input({ nativeRoutingCIDR: "10.0.0.0/15" }, native)), "autoDirectNodeRoutes"), false);
        assert.equal(at(buildCiliumValues(input({ nativeRoutingCIDR: "10.0.0.0/15", autoDirectNodeRoutes: true }, native)), "autoDirectNodeRoutes"), true);
        assert.equal(at(buildCiliumValues(input({ autoDirectNodeRoutes: true })), "autoDirectNodeRoutes"), undefined, "tunnel mode ignores it");
    });
});

describe("buildCiliumValues in ENI mode and across AWS transit", () => {
    const eni = buildCiliumValues(input({ kind: "eks", operatorRoleArn: "arn:aws:iam::123456789012:role/west-cilium-operator" }, { ipam: "eni", routingMode: "native" }));

    it("masquerades pod traffic leaving the VPC: chart 1.18+ leaves it off in ENI mode unless enableIPv4Masquerade is set", () => {
        assert.equal(at(eni, "enableIPv4Masquerade"), true);
        assert.equal(at(eni, "egressMasqueradeInterfaces"), "eth+");
        assert.equal(at(buildCiliumValues(input()), "enableIPv4Masquerade"), undefined, "cluster-pool keeps the chart's default (on)");
    });

    it("gives the operator's service account its own IAM role (IRSA) rather than the node role", () => {
        assert.deepEqual(at(eni, "serviceAccounts.operator.annotations"), { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/west-cilium-operator" });
    });

    it("sets the device MTU only when the mesh's path is narrower than the node's interface", () => {
        assert.equal(at(buildCiliumValues(input({ mtu: 8500 })), "MTU"), 8500);
        assert.equal(at(buildCiliumValues(input()), "MTU"), undefined);
    });
});
