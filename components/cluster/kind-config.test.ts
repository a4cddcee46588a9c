import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { kindClusterSchema, validateStructural } from "../../test/openapi-schema";
import {
    createClusterScript,
    deleteClusterScript,
    kindClusterConfig,
    kindConfigYaml,
    networkScript,
    nodeAddressesScript,
    parseNodeAddresses,
    prerequisitesScript,
    shellQuote,
} from "./kind-config";

const lab = { clusterName: "west", workers: 1, nodeImage: "kindest/node:v1.33.1", podSubnet: "10.0.0.0/16", serviceSubnet: "10.2.0.0/16", kubeProxyReplacement: true };

describe("kindClusterConfig", () => {
    it("is a valid v1alpha4 Cluster for every shape the program writes", () => {
        const schema = kindClusterSchema();
        for (const input of [lab, { ...lab, workers: 0, kubeProxyReplacement: false }, { ...lab, workers: 3, apiServerPort: 6550 }]) {
            const config = kindClusterConfig(input);
            assert.deepEqual(validateStructural(schema, config), []);
            // What kind reads is the YAML: the same document, no field lost or renamed.
            assert.deepEqual(validateStructural(schema, parse(kindConfigYaml(config))), []);
            assert.deepEqual(parse(kindConfigYaml(config)), JSON.parse(JSON.stringify(config)));
        }
    });

    it("turns off the default CNI and kube-proxy, sets the member's ranges and N workers (the hand-run lab's config)", () => {
        const config = kindClusterConfig({ ...lab, workers: 2 });
        assert.deepEqual(config.networking, {
            ipFamily: "ipv4",
            apiServerAddress: "127.0.0.1",
            podSubnet: "10.0.0.0/16",
            serviceSubnet: "10.2.0.0/16",
            disableDefaultCNI: true,
            kubeProxyMode: "none",
        });
        assert.deepEqual(config.nodes.map((n) => n.role), ["control-plane", "worker", "worker"]);
        assert.ok(config.nodes.every((n) => n.image === "kindest/node:v1.33.1"));
    });

    it("keeps kube-proxy when Cilium does not replace it, and sets the API port only when asked", () => {
        assert.equal(kindClusterConfig({ ...lab, kubeProxyReplacement: false }).networking.kubeProxyMode, "iptables");
        assert.equal(kindClusterConfig(lab).networking.apiServerPort, undefined);
        assert.equal(kindClusterConfig({ ...lab, apiServerPort: 6550 }).networking.apiServerPort, 6550);
    });
});

describe("the kind commands", () => {
    it("quote names for sh", () => {
        assert.equal(shellQuote("it's"), `'it'\\''s'`);
        assert.equal(execFileSync("/bin/sh", ["-c", `printf %s ${shellQuote("a b'c")}`], { encoding: "utf8" }), "a b'c");
    });

    it("create the cluster on the shared network from the config on standard input, and delete it", () => {
        const create = createClusterScript("west", "clustermesh-lab");
        assert.match(create, /KIND_EXPERIMENTAL_DOCKER_NETWORK='clustermesh-lab' kind create cluster --name 'west' --config - --wait 0s/);
        assert.match(create, /kind get clusters .*grep -qx 'west'/);
        assert.equal(deleteClusterScript("west"), "kind delete cluster --name 'west'");
    });

    it("create the network only when it is missing, and refuse one with another subnet", () => {
        const script = networkScript("clustermesh-lab", "172.30.0.0/16");
        assert.match(script, /docker network inspect 'clustermesh-lab'/);
        assert.match(script, /docker network create --driver bridge --subnet '172.30.0.0\/16' 'clustermesh-lab'/);
        assert.match(script, /set clustermesh:kind.networkSubnet/);
        execFileSync("/bin/sh", ["-n", "-c", script]);
    });

    it("leave an existing network of the right subnet alone, refuse one of another, create a missing one", () => {
        // A stand-in docker: `network inspect` answers from $EXISTING (empty: no such network), every call is logged.
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "kind-docker-"));
        const log = path.join(bin, "calls");
        fs.writeFileSync(
            path.join(bin, "docker"),
            `#!/bin/sh\necho "$*" >> ${log}\nif [ "$1 $2" = "network inspect" ]; then [ -n "$EXISTING" ] || exit 1; case "$*" in *-f*) echo "$EXISTING ";; esac; fi\nexit 0\n`,
            { mode: 0o755 },
        );
        const run = (existing: string) => {
            fs.rmSync(log, { force: true });
            const r = spawnSync("/bin/sh", ["-c", networkScript("clustermesh-lab", "172.30.0.0/16")], { env: { PATH: `${bin}:/usr/bin:/bin`, EXISTING: existing }, encoding: "utf8" });
            return { status: r.status, stderr: r.stderr, calls: fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "" };
        };
        const same = run("172.30.0.0/16");
        assert.equal(same.status, 0);
        assert.doesNotMatch(same.calls, /network create/);
        const other = run("172.18.0.0/16");
        assert.equal(other.status, 1);
        assert.match(other.stderr, /exists with subnet\(s\) 172\.18\.0\.0\/16, not 172\.30\.0\.0\/16; set clustermesh:kind\.networkSubnet/);
        const missing = run("");
        assert.equal(missing.status, 0);
        assert.match(missing.calls, /network create --driver bridge --subnet 172\.30\.0\.0\/16 clustermesh-lab/);
    });

    it("check docker, kind and kubectl, naming what is missing and how to install it", () => {
        const script = prerequisitesScript();
        execFileSync("/bin/sh", ["-n", "-c", script]);
        let stderr = "";
        try {
            // An empty PATH: none of the tools is there.
            execFileSync("/bin/sh", ["-c", script], { env: { PATH: "/nonexistent" }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
            assert.fail("the check passed with no tools on PATH");
        } catch (err) {
            stderr = String((err as { stderr?: string }).stderr);
        }
        for (const tool of ["docker", "kind", "kubectl"]) {
            assert.match(stderr, new RegExp(`kind cluster: ${tool} is not installed; install`));
        }
    });

    it("read the node containers' addresses on the shared network, ordered by node name", () => {
        const script = nodeAddressesScript("west", "clustermesh-lab");
        assert.match(script, /kind get nodes --name 'west' \| sort/);
        assert.match(script, /\.NetworkSettings\.Networks "clustermesh-lab"/);
        execFileSync("/bin/sh", ["-n", "-c", script]);
        assert.deepEqual(parseNodeAddresses("172.30.0.3\n172.30.0.2\n\nnot-an-ip 300.1.1.1\n"), ["172.30.0.3", "172.30.0.2"]);
    });
});
