import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { installMockEngine, settle, type MockEngine } from "./mock-engine";
import { ciliumValuesOf, REDACTED, redactValues, secretValuesOf } from "./plan-report";

/**
 * Issue 13: the plan redacts by what the engine marks secret, not only by key path. A Helm
 * release is given secret fields no path rule knows; none of them may reach the plan.
 */
describe("plan redaction by secrecy", () => {
    let engine: MockEngine;
    let values: Record<string, any>;
    const token = "brand-new-etcd-token-0001";
    before(async () => {
        engine = await installMockEngine("west");
        const pulumi = await import("@pulumi/pulumi");
        const k8s = await import("@pulumi/kubernetes");
        const random = await import("@pulumi/random");
        // A secret output, as the program's keys and passwords are (additionalSecretOutputs).
        const password = new random.RandomPassword("relay-password", { length: 24 }, { additionalSecretOutputs: ["result"] });
        // A new secret stack setting, read as the program reads sshPrivateKey.
        pulumi.runtime.setAllConfig({ "clustermesh:etcdToken": token }, ["clustermesh:etcdToken"]);
        const secretToken = new pulumi.Config("clustermesh").requireSecret("etcdToken");
        new k8s.helm.v3.Release("cilium-release", {
            chart: "cilium",
            values: {
                // A new field holding a secret setting, under no `tls` path.
                etcd: { token: secretToken },
                // The same secret inside a longer text, and base64-encoded.
                extraArgs: [secretToken.apply((t) => `--token=${t}`)],
                hubble: { relay: { basicAuth: secretToken.apply((t) => Buffer.from(t).toString("base64")) } },
                // Values wrapped secret as a whole, as CiliumRelease passes them: a leaf that is a
                // secret output's value, in plain text inside the wrapper.
                operator: pulumi.secret(password.result.apply((p) => ({ apiKey: p, replicas: 1, name: "visible-name" }))),
                cluster: { name: "west" },
            },
        });
        await settle();
        values = ciliumValuesOf(engine.resources) as Record<string, any>;
    });

    it("the engine records the secret strings it saw", () => {
        const secrets = secretValuesOf(engine.resources);
        assert.ok(secrets.includes(token), "secret config counts as secret");
        assert.ok(secrets.includes("mock-password-relay-password"), "additionalSecretOutputs count as secret");
    });

    it("no secret reaches the plan, whatever its key, raw, embedded or base64", () => {
        const printed = JSON.stringify(values);
        for (const secret of [token, Buffer.from(token).toString("base64"), "mock-password-relay-password"]) {
            assert.ok(!printed.includes(secret), `${secret} printed in ${printed}`);
        }
        assert.equal(values.etcd.token, REDACTED);
        assert.deepEqual(values.extraArgs, [REDACTED]);
        assert.equal(values.hubble.relay.basicAuth, REDACTED);
        assert.equal(values.operator.apiKey, REDACTED);
    });

    it("leaves what is not secret as it is", () => {
        assert.equal(values.operator.name, "visible-name");
        assert.equal(values.operator.replicas, 1);
        assert.equal(values.cluster.name, "west");
    });

    it("keeps the key-path rules as a second net", () => {
        assert.deepEqual(redactValues({ tls: { ca: { key: "abc", cert: "def" } }, short: "pw" }, [], ["pw"]), { tls: { ca: { key: REDACTED, cert: "(issued at deploy)" } }, short: REDACTED });
        assert.deepEqual(redactValues({ text: "xpwx" }, [], ["pw"]), { text: "xpwx" }, "a short secret is only redacted where a value equals it");
    });
});
