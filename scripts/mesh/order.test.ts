import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { member } from "../../stacks/test-fixtures";
import { meshCli } from "../mesh";
import { meshSteps } from "./order";
import { runSteps } from "./runner";
import { MissingPulumiCliError, type MeshWorkspace, type StepOptions } from "./workspace";
import { writeProject } from "../../stacks/test-fixtures";

const west = member({ stack: "west", id: 1 });
const east = member({ stack: "east", id: 2 });
const north = member({ stack: "north", id: 3 });

/** A workspace that records what it was asked to do, and can fail on one call. */
class FakeWorkspace implements MeshWorkspace {
    readonly calls: string[] = [];
    constructor(private readonly failOn?: string) {}
    private record(call: string): Promise<void> {
        this.calls.push(call);
        return call === this.failOn ? Promise.reject(new Error("boom")) : Promise.resolve();
    }
    up(stack: string, o: StepOptions) {
        return this.record(`up ${stack}${o.link === undefined ? "" : ` link=${o.link}`}${o.departing?.length ? ` without=${o.departing.join(",")}` : ""}`);
    }
    preview(stack: string) {
        return this.record(`preview ${stack}`);
    }
    destroy(stack: string) {
        return this.record(`destroy ${stack}`);
    }
}

async function run(steps: ReturnType<typeof meshSteps>, failOn?: string) {
    const ws = new FakeWorkspace(failOn);
    const log: string[] = [];
    const result = await runSteps(steps, ws, (l) => log.push(l));
    return { calls: ws.calls, log, result };
}

describe("mesh up", () => {
    it("brings up the CA owner first, the others unlinked, then links everyone (2 clusters)", async () => {
        const { calls } = await run(meshSteps([east, west], "up"));
        assert.deepEqual(calls, ["up west link=false", "up east link=false", "up west link=true", "up east link=true"]);
    });

    it("does the same for 3 clusters", async () => {
        const { calls } = await run(meshSteps([west, east, north], "up"));
        assert.deepEqual(calls, ["up west link=false", "up east link=false", "up north link=false", "up west link=true", "up east link=true", "up north link=true"]);
    });

    it("with --stacks builds only the new region, then relinks every member so all list it", async () => {
        const { calls } = await run(meshSteps([west, east, north], "up", ["north"]));
        assert.deepEqual(calls, ["up north link=false", "up west link=true", "up east link=true", "up north link=true"]);
    });

    it("stops at the first failure and says which step", async () => {
        const { calls, log, result } = await run(meshSteps([west, east], "up"), "up east link=false");
        assert.deepEqual(calls, ["up west link=false", "up east link=false"]);
        assert.equal(result.failed?.index, 1);
        assert.ok(log.includes("step 2 failed: up east: boom"));
    });
});

describe("mesh preview", () => {
    it("previews every stack by cluster id, changing nothing", async () => {
        const { calls } = await run(meshSteps([north, west, east], "preview"));
        assert.deepEqual(calls, ["preview west", "preview east", "preview north"]);
    });
});

describe("mesh destroy", () => {
    it("removes a departing region from the others' links before destroying it", async () => {
        const { calls } = await run(meshSteps([west, east, north], "destroy", ["north"]));
        assert.deepEqual(calls, ["up west without=north", "up east without=north", "destroy north"]);
    });

    it("destroys everything in reverse id order, the CA owner last", async () => {
        const { calls } = await run(meshSteps([west, east, north], "destroy"));
        assert.deepEqual(calls, ["destroy north", "destroy east", "destroy west"]);
    });

    it("refuses to destroy the CA owner while others remain", () => {
        assert.throws(() => meshSteps([west, east], "destroy", ["west"]), /west holds the mesh CA that east uses; destroy it last/);
    });

    it("refuses stacks that are not in the mesh", () => {
        assert.throws(() => meshSteps([west, east], "up", ["mars"]), /--stacks names mars, which is not in the mesh; members: west, east/);
    });
});

describe("npm run mesh", () => {
    const dir = writeProject([
        { stack: "west", id: 1 },
        { stack: "east", id: 2 },
    ]);
    const deps = (ws: FakeWorkspace, cli: () => Promise<string> = () => Promise.resolve("v3.200.0")) => {
        const out: string[] = [];
        const err: string[] = [];
        return { out, err, deps: { dir, checkCli: cli, workspace: () => ws, out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
    };

    it("says the real run needs the Pulumi CLI when it is missing, and runs nothing", async () => {
        const ws = new FakeWorkspace();
        const d = deps(ws, () => Promise.reject(new MissingPulumiCliError()));
        assert.equal(await meshCli(["up"], d.deps), 2);
        assert.match(d.err.join("\n"), /needs the Pulumi CLI, which is not on PATH[\s\S]*npm run plan -- --all/);
        assert.deepEqual(ws.calls, []);
    });

    it("runs the steps in order and reports success", async () => {
        const ws = new FakeWorkspace();
        const d = deps(ws);
        assert.equal(await meshCli(["up"], d.deps), 0);
        assert.equal(ws.calls.length, 4);
        assert.match(d.out.join("\n"), /\[1\/4\] up west \(link off\): the mesh CA lives here/);
    });

    it("wants --yes before destroying", async () => {
        const ws = new FakeWorkspace();
        const d = deps(ws);
        assert.equal(await meshCli(["destroy", "--stacks", "east"], d.deps), 2);
        assert.match(d.err.join("\n"), /destroy removes east for good; run again with --yes/);
        assert.equal(await meshCli(["destroy", "--stacks", "east", "--yes"], d.deps), 0);
        assert.deepEqual(ws.calls, ["up west without=east", "destroy east"]);
    });

    it("explains its usage", async () => {
        const d = deps(new FakeWorkspace());
        assert.equal(await meshCli(["launch"], d.deps), 2);
        assert.match(d.err.join("\n"), /usage: npm run mesh -- preview\|up\|destroy/);
    });
});

describe("Pulumi CLI detection", () => {
    it("turns a missing pulumi binary into MissingPulumiCliError", async () => {
        const { pulumiCliVersion } = await import("./workspace");
        const missing = ((_file: string, _args: string[], _opts: unknown, callback: (err: Error | null, stdout: string) => void) => {
            callback(Object.assign(new Error("spawn pulumi ENOENT"), { code: "ENOENT" }), "");
        }) as unknown as typeof import("child_process").execFile;
        await assert.rejects(pulumiCliVersion(missing), MissingPulumiCliError);
        const present = ((_file: string, _args: string[], _opts: unknown, callback: (err: Error | null, stdout: string) => void) => callback(null, "v3.200.0\n")) as unknown as typeof import("child_process").execFile;
        assert.equal(await pulumiCliVersion(present), "v3.200.0");
    });
});
