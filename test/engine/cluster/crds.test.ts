import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { bgpResources } from "../../../components/cilium/bgp";
import { CILIUM_CRDS, ciliumCrds, mcsApiCrds } from "./crds";

/** Every top-level kind in @kubernetes-models/cilium (generated from cilium's CRD files), as `version/Kind`. */
function packageKinds(): string[] {
    const root = join(__dirname, "../../../node_modules/@kubernetes-models/cilium/cilium.io");
    return readdirSync(root, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .flatMap((d) =>
            readdirSync(join(root, d.name))
                .filter((f) => f.endsWith(".js") && !f.endsWith("List.js"))
                .filter((f) => /this\.kind="/.test(readFileSync(join(root, d.name, f), "utf8")))
                .map((f) => `${d.name}/${f.slice(0, -3)}`),
        )
        .sort();
}

describe("the test cluster's Cilium CRDs", () => {
    it("cover every kind and version of @kubernetes-models/cilium, and no other", () => {
        const table = CILIUM_CRDS.flatMap((row) => row.versions.map((v) => `${v}/${row.kind}`)).sort();
        assert.deepEqual(table, packageKinds());
    });

    it("are structural v1 CRDs named <plural>.cilium.io with one storage version", () => {
        for (const crd of ciliumCrds()) {
            const spec = crd.spec as { names: { plural: string; kind: string }; versions: Array<{ storage: boolean; served: boolean }> };
            assert.equal(crd.metadata.name, `${spec.names.plural}.cilium.io`);
            assert.equal(spec.versions.filter((v) => v.storage).length, 1, `${spec.names.kind} has one storage version`);
            assert.ok(spec.versions.every((v) => v.served));
        }
    });

    it("include every kind and version the program's BGP and LB-IPAM resources use", () => {
        const served = new Set(CILIUM_CRDS.flatMap((row) => row.versions.map((v) => `cilium.io/${v}/${row.kind}`)));
        for (const version of ["1.18.12", "1.19.6", "1.20.0"]) {
            const resources = bgpResources("west", version, {
                localASN: 65001,
                peers: [{ name: "tor", address: "172.30.0.1", asn: 65000, authenticated: false }],
                advertise: { podCIDRs: true, loadBalancerIPs: true },
                loadBalancerPool: "172.30.255.0/28",
            });
            for (const r of resources) {
                assert.ok(served.has(`${r.apiVersion}/${r.kind}`), `${r.apiVersion} ${r.kind} (Cilium ${version}) is registered`);
            }
        }
    });

    it("reuse the program's MCS-API CRDs", () => {
        assert.deepEqual(
            mcsApiCrds().map((c) => c.metadata.name),
            ["serviceexports.multicluster.x-k8s.io", "serviceimports.multicluster.x-k8s.io"],
        );
    });
});
