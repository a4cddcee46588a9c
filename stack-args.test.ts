import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { clusterSpec } from "./stack-args";
import { member } from "./stacks/sample-stacks";

const key = () => pulumi.output("k");

describe("clusterSpec: issue 13 settings reach the components", () => {
    it("a pinned SSH host key in the stack file reaches K3sCluster's host and agent hosts", () => {
        const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIlab";
        const lab = member({
            stack: "lab",
            id: 3,
            k3s: { host: { address: "172.30.1.89", hostKey }, agentHosts: [{ address: "172.30.1.90", hostKey: `${hostKey}2` }] },
            extra: { "clustermesh:sshPrivateKey": { secure: "v1:x" } },
        });
        const spec = clusterSpec(lab, key);
        assert.equal(spec.kind, "k3s");
        if (spec.kind === "k3s") {
            assert.equal(spec.args.host?.hostKey, hostKey);
            assert.equal(spec.args.agentHosts?.[0].hostKey, `${hostKey}2`);
        }
    });

    it("EKS secrets encryption and control-plane log types reach EksCluster", () => {
        const arn = "arn:aws:kms:us-east-2:123456789012:key/abc";
        const spec = clusterSpec(member({ stack: "east", id: 2, kind: "eks", eks: { encryptSecrets: true, kmsKeyArn: arn, logTypes: ["audit"] } }), key);
        assert.equal(spec.kind, "eks");
        if (spec.kind === "eks") {
            assert.deepEqual(spec.args.secretsEncryption, { kmsKeyArn: arn });
            assert.deepEqual(spec.args.enabledLogTypes, ["audit"]);
        }
        const plain = clusterSpec(member({ stack: "east", id: 2, kind: "eks" }), key);
        assert.ok(plain.kind === "eks" && plain.args.secretsEncryption === undefined);
    });
});
