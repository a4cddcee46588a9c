import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parse } from "yaml";
import { kindClusterConfig, kindConfigYaml, networkScript, nodeAddressesScript } from "../../../components/cluster/kind-config";
import { docker } from "./docker-cli";
import { goTemplate } from "./go-template";
import { checkKindConfig } from "./kind-cli";
import { poolBlocks, selectorMatches } from "./simulators";
import { STATE_DIR_ENV } from "./stand-in-state";

/** The single-quoted Go templates inside one of the program's scripts. */
function templatesIn(script: string): string[] {
    return [...script.matchAll(/-f '([^']*)'/g)].map((m) => m[1].replace(/'\\''/g, "'"));
}

describe("the docker stand-in's templates", () => {
    it("render the templates the kind lab's scripts pass to docker -f", () => {
        const net = { IPAM: { Config: [{ Subnet: "172.30.0.0/16", Gateway: "172.30.0.1" }] } };
        const [subnets] = templatesIn(networkScript("clustermesh-lab", "172.30.0.0/16"));
        assert.equal(goTemplate(subnets, net), "172.30.0.0/16 ");
        const [address] = templatesIn(nodeAddressesScript("west", "clustermesh-lab"));
        assert.equal(goTemplate(address, { NetworkSettings: { Networks: { "clustermesh-lab": { IPAddress: "172.30.0.2" } } } }), "172.30.0.2");
    });

    it("refuse what they do not simulate instead of printing something wrong", () => {
        assert.throws(() => goTemplate("{{if .A}}x{{end}}", {}), /\{\{if\}\} is not simulated/);
        assert.throws(() => goTemplate("{{printf \"%s\" .A}}", {}), /printf is not simulated/);
        assert.equal(goTemplate("{{.Missing}}", {}), "<no value>");
    });
});

describe("the kind stand-in's config check", () => {
    it("accepts every config the program writes", () => {
        for (const workers of [0, 1, 3]) {
            for (const kubeProxyReplacement of [true, false]) {
                const yaml = kindConfigYaml(kindClusterConfig({ clusterName: "west", workers, nodeImage: "kindest/node:v1.33.1", podSubnet: "10.1.0.0/16", serviceSubnet: "10.2.0.0/16", kubeProxyReplacement, apiServerPort: workers === 3 ? 6550 : undefined }));
                assert.deepEqual(checkKindConfig(parse(yaml)).problems, []);
            }
        }
    });

    it("names every field it would not honour", () => {
        const problems = checkKindConfig({ kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4", featureGates: {}, nodes: [{ role: "control-plane", extraMounts: [] }], networking: { apiServerAddress: "0.0.0.0", dnsSearch: [] } }).problems;
        assert.deepEqual(problems, [
            "config field featureGates is not simulated",
            "config field nodes[0].extraMounts is not simulated",
            "config field networking.dnsSearch is not simulated",
            "networking.apiServerAddress 0.0.0.0: the stand-in listens on 127.0.0.1 only",
        ]);
    });
});

describe("the docker stand-in's networks", () => {
    const dir = mkdtempSync(join(tmpdir(), "clustermesh-docker-test-"));
    const env = { [STATE_DIR_ENV]: dir };
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("create, inspect (JSON and -f), refuse a duplicate, remove, then inspect fails like Docker's", async () => {
        const created = await docker(["network", "create", "--driver", "bridge", "--subnet", "172.30.0.0/16", "lab"], env);
        assert.equal(created.code, 0);
        assert.match(created.stdout, /^[0-9a-f]{64}\n$/);
        const inspected = JSON.parse((await docker(["network", "inspect", "lab"], env)).stdout) as Array<{ Name: string; IPAM: { Config: Array<{ Subnet: string; Gateway: string }> } }>;
        assert.deepEqual(inspected[0].IPAM.Config, [{ Subnet: "172.30.0.0/16", Gateway: "172.30.0.1" }]);
        assert.equal((await docker(["network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}} {{end}}", "lab"], env)).stdout, "172.30.0.0/16 \n");
        const again = await docker(["network", "create", "lab"], env);
        assert.equal(again.code, 1);
        assert.equal(again.stderr, "Error response from daemon: network with name lab already exists\n");
        assert.equal((await docker(["network", "rm", "lab"], env)).code, 0);
        const gone = await docker(["network", "inspect", "lab"], env);
        assert.deepEqual([gone.code, gone.stdout, gone.stderr], [1, "[]\n", "Error response from daemon: network lab not found\n"]);
        const unknown = await docker(["run", "busybox"], env);
        assert.equal(unknown.code, 1);
        assert.match(unknown.stderr, /"docker run" is not simulated/);
    });
});

describe("the LB-IPAM simulator's pool rules", () => {
    it("skips a block's network and broadcast addresses and reads start/stop ranges", () => {
        const [block] = poolBlocks({ blocks: [{ cidr: "172.30.255.0/28" }] });
        assert.deepEqual([block.first, block.last], [0xac1eff01n, 0xac1eff0en]);
        const [range] = poolBlocks({ blocks: [{ start: "10.0.0.5", stop: "10.0.0.7" }] });
        assert.deepEqual([range.first, range.last], [0x0a000005n, 0x0a000007n]);
    });

    it("matches service selectors as Kubernetes does", () => {
        const labels = { app: "web", tier: "front" };
        assert.ok(selectorMatches(undefined, labels));
        assert.ok(selectorMatches({ matchLabels: { app: "web" } }, labels));
        assert.ok(!selectorMatches({ matchLabels: { app: "db" } }, labels));
        assert.ok(selectorMatches({ matchExpressions: [{ key: "tier", operator: "In", values: ["front"] }, { key: "zone", operator: "DoesNotExist" }] }, labels));
        assert.ok(!selectorMatches({ matchExpressions: [{ key: "app", operator: "NotIn", values: ["web"] }] }, labels));
    });
});
