import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { upgradeOrder, upgradePath, upgradeWaves, versionsAfter, waveSize, type UpgradeMember, type UpgradePath } from "./upgrade-path";

const mesh = (...versions: string[]): UpgradeMember[] => versions.map((version, i) => ({ stack: `r${i + 1}`, file: `Pulumi.r${i + 1}.yaml`, clusterId: i + 1, version }));

function refused(path: UpgradePath): string[] {
    assert.equal(path.kind, "refused", JSON.stringify(path));
    return path.kind === "refused" ? [...path.problems] : [];
}

function moves(path: UpgradePath): Extract<UpgradePath, { kind: "moves" }> {
    assert.equal(path.kind, "moves", JSON.stringify(path));
    return path;
}

describe("upgrade path", () => {
    it("refuses a target minor the program does not support, and a refused release", () => {
        assert.match(refused(upgradePath(mesh("1.19.6"), "1.21.0"))[0], /--cilium 1\.21\.0 is of Cilium 1\.21, which this program does not support.*use e\.g\. 1\.20\.0/);
        assert.match(refused(upgradePath(mesh("1.19.6"), "1.18.0"))[0], /breaks global-service load-balancing \(cilium #40848\)/);
        assert.match(refused(upgradePath(mesh("1.19.6"), "1.20"))[0], /is not a Cilium release such as 1\.20\.0/);
    });

    it("refuses a target more than one minor above any member, naming the step in between", () => {
        const problems = refused(upgradePath(mesh("1.19.6", "1.18.12"), "1.20.0"));
        assert.equal(problems.length, 1);
        assert.match(problems[0], /^r2 \(Pulumi\.r2\.yaml\) is on 1\.18\.12, 2 minors below 1\.20\.0: Cilium upgrades one minor at a time .*clustermesh mesh upgrade --cilium 1\.19\.6\), then to 1\.20\.0$/);
    });

    it("refuses a rollback of more than one minor, and allows one", () => {
        assert.match(refused(upgradePath(mesh("1.20.0", "1.20.0"), "1.18.12"))[0], /2 minors above 1\.18\.12: Cilium rolls back one minor at a time.*--cilium 1\.19\.6/);
        const back = moves(upgradePath(mesh("1.20.0", "1.19.6"), "1.19.6"));
        assert.deepEqual(back.patchFirst, []);
        assert.deepEqual(
            back.moves.map((m) => [m.stack, m.from, m.to, m.kind]),
            [["r1", "1.20.0", "1.19.6", "rollback"]],
        );
    });

    it("reports every refusal at once", () => {
        assert.equal(refused(upgradePath(mesh("1.18.12", "1.18.12", "1.19.6"), "1.20.0")).length, 2);
    });

    it("says nothing to upgrade when every member is on the target", () => {
        const path = upgradePath(mesh("1.20.0", "1.20.0"), "1.20.0");
        assert.deepEqual(path, { kind: "nothing", message: "nothing to upgrade: every member (r1, r2) is on 1.20.0" });
    });

    it("moves a member behind the latest patch of its minor to that patch first, in waves before any minor changes", () => {
        const members = mesh("1.19.6", "1.19.3", "1.19.6");
        const path = moves(upgradePath(members, "1.20.0"));
        assert.deepEqual(
            path.patchFirst.map((m) => [m.stack, m.from, m.to, m.kind]),
            [["r2", "1.19.3", "1.19.6", "patch"]],
        );
        assert.match(path.patchFirst[0].reason, /latest patch of 1\.19 first \(1\.19\.6/);
        assert.deepEqual(
            upgradeWaves(members, path, 1).map((w) => w.map((m) => `${m.stack} ${m.from}->${m.to}`)),
            [["r2 1.19.3->1.19.6"], ["r2 1.19.6->1.20.0"], ["r3 1.19.6->1.20.0"], ["r1 1.19.6->1.20.0"]],
        );
        // A move within the target's minor needs no patch first.
        assert.deepEqual(moves(upgradePath(mesh("1.19.3"), "1.19.6")).patchFirst, []);
    });

    it("takes what the stack deployed over its file: a file on the target whose up failed is moved again", () => {
        const members: UpgradeMember[] = [...mesh("1.20.0", "1.19.6"), { stack: "r3", file: "Pulumi.r3.yaml", clusterId: 3, version: "1.20.0", deployed: "1.19.6" }];
        const path = moves(upgradePath(members, "1.20.0"));
        assert.deepEqual(
            path.moves.map((m) => m.stack),
            ["r2", "r3"],
        );
        assert.match(path.moves[1].reason, /its file says 1\.20\.0 already, but its stack runs 1\.19\.6: the earlier up did not finish/);
    });

    it("moves the CA owner (lowest id) last and never every member in one wave", () => {
        const members = mesh("1.19.6", "1.19.6", "1.19.6").reverse();
        assert.deepEqual(
            upgradeOrder(members).map((m) => m.stack),
            ["r2", "r3", "r1"],
        );
        assert.equal(waveSize(3, 10), 2);
        assert.equal(waveSize(2, 2), 1);
        assert.equal(waveSize(1, 4), 1);
        assert.equal(waveSize(20, 4), 4);
        const waves = upgradeWaves(members, moves(upgradePath(members, "1.20.0")), 10);
        assert.deepEqual(
            waves.map((w) => w.map((m) => m.stack)),
            [["r2", "r3"], ["r1"]],
        );
        assert.deepEqual([...versionsAfter(members, waves, 1)].sort(), [["r1", "1.19.6"], ["r2", "1.20.0"], ["r3", "1.20.0"]]);
    });
});
