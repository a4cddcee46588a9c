import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { projectLikeEast } from "../../test/stack-files";
import { meshCli } from "./cli";
import { formatRemovals, removalRefusal, silentRemovals } from "./removal-guard";
import type { MeshWorkspace } from "./workspace";

const member = (stack: string, name = stack) => ({ stack, cluster: { name } });

describe("silentRemovals", () => {
    it("finds nothing while every linked peer is still declared", () => {
        const linked = new Map([
            ["west", ["east"]],
            ["east", ["west"]],
        ]);
        assert.deepEqual(silentRemovals([member("west"), member("east")], linked), []);
    });

    it("finds a peer deployed stacks link to that no file declares, with every stack linking to it", () => {
        const linked = new Map<string, string[] | undefined>([
            ["west", ["east", "north"]],
            ["south", ["north", "west"]],
            ["new", undefined],
        ]);
        assert.deepEqual(silentRemovals([member("west"), member("south"), member("new")], linked), [
            { peer: "east", linkedFrom: ["west"] },
            { peer: "north", linkedFrom: ["south", "west"] },
        ]);
    });

    it("compares cluster names, not stack names: a renamed cluster counts as a removal", () => {
        assert.deepEqual(silentRemovals([member("west", "us-west"), member("east", "us-east-2")], new Map([["west", ["us-east"]]])), [{ peer: "us-east", linkedFrom: ["west"] }]);
    });

    it("says which file to restore and how to retire the member deliberately", () => {
        const text = formatRemovals([{ peer: "east", linkedFrom: ["west"] }]);
        assert.match(text, /^Refusing to remove a mesh member silently; nothing was run:\n {2}- east: linked from west \(stack output linkedPeers\)/);
        assert.match(text, /git checkout -- Pulumi\.east\.yaml/);
        assert.match(text, /npm run mesh -- destroy --stacks east/);
    });

    it("guards every command, when the workspace can read linkedPeers", async () => {
        const reader = { linkedPeers: () => Promise.resolve(["east"] as readonly string[]) };
        assert.match((await removalRefusal("up", [member("west")], reader)) ?? "", /east: linked from west/);
        // destroy and preview are guarded too (issue 19): destroy's first phase updates west without east.
        assert.match((await removalRefusal("destroy", [member("west")], reader)) ?? "", /east: linked from west/);
        assert.match((await removalRefusal("preview", [member("west")], reader)) ?? "", /east: linked from west/);
        assert.equal(await removalRefusal("up", [member("west")], {}), undefined);
    });
});

describe("npm run mesh -- up refuses a silent removal (issue 13)", () => {
    /** A deployed, linked mesh of west and east as the backend sees it. */
    function workspace(calls: string[]): MeshWorkspace {
        const outputs = ["clusterName", "clustermeshEndpoint", "linkedPeers"];
        return {
            outputs: () => Promise.resolve(outputs),
            linkedPeers: (stack) => Promise.resolve(stack === "west" ? ["east"] : ["west"]),
            selectStack: (stack) => (calls.push(`select ${stack}`), Promise.resolve()),
            setConfig: () => Promise.resolve(),
            up: (stack) => (calls.push(`up ${stack}`), Promise.resolve()),
            preview: () => Promise.resolve(),
            destroy: () => Promise.resolve(),
        };
    }
    const run = async (dir: string) => {
        const calls: string[] = [];
        const err: string[] = [];
        const code = await meshCli(["up"], { dir, checkCli: () => Promise.resolve("v3"), workspace: () => workspace(calls), out: () => undefined, err: (l) => err.push(l), progress: () => ({ onChange: () => undefined, stop: () => undefined }) });
        return { code, calls, err };
    };

    it("with east's file deleted, west's up would drop east: nothing runs", async () => {
        const dir = projectLikeEast([
            { stack: "west", id: 1, link: true },
            { stack: "east", id: 2, link: true },
        ]);
        fs.rmSync(path.join(dir, "Pulumi.east.yaml"));
        const { code, calls, err } = await run(dir);
        assert.equal(code, 2);
        assert.deepEqual(calls, []);
        assert.match(err.join("\n"), /east: linked from west .*npm run mesh -- destroy --stacks east/);
    });

    it("with every file in place, the same up runs", async () => {
        const dir = projectLikeEast([
            { stack: "west", id: 1, link: true },
            { stack: "east", id: 2, link: true },
        ]);
        const { code, calls, err } = await run(dir);
        assert.equal(code, 0, err.join("\n"));
        assert.ok(calls.includes("up west"));
    });
});

describe("README: Refused inputs", () => {
    it("quotes the refusal as printed", () => {
        const readme = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
        const text = formatRemovals([{ peer: "east", linkedFrom: ["west"] }]);
        assert.ok(readme.includes(`\`${text.split("\n")[0]}\``));
        assert.ok(readme.includes(`\`${text.split("\n")[1].slice(2, text.split("\n")[1].indexOf(";") + 1)}`));
    });
});
