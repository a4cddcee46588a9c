/**
 * Runs the real program (index.ts) for one stack under the mock engine and returns what it
 * registered and exported. Shared by `npm run plan` and the whole-stack tests.
 *
 * Several stacks may run one after another in one process (`plan --all`): each run installs a
 * fresh mock engine (which resets Pulumi's runtime state: options, stack resource, config) and
 * evaluates index.ts afresh, since its top level is the stack. Runs must not overlap.
 */
import { caResourceName, generationKey, issuingGeneration, meshCaOutput, usedGenerations } from "../../lib/mesh-ca";
import * as pulumi from "@pulumi/pulumi";
import Module, { createRequire } from "module";
import * as path from "path";
import * as vm from "vm";
import { STACK_OUTPUTS } from "../../lib/contract";
import { kindStandInAddresses, standInEndpoint } from "./stand-ins";
import { factsOfMember, inspectMesh, loadMesh, MeshConfigError, parseCidr, projectNameIn, transitHubOwners, type Mesh, type MeshMember, type Problem } from "../../stacks";
import { fakePem, installMockEngine, peek, settle, type RecordedResource, type StackOutputs } from "./mock-engine";

export interface ProgramRun {
    readonly members: MeshMember[];
    readonly self: MeshMember;
    /** The project's name (its Pulumi.yaml), as in every URN of the run. */
    readonly project: string;
    readonly notes: string[];
    readonly resources: RecordedResource[];
    /** What the program logged (pulumi.log), in order: shown by the plan, kept off stdout. */
    readonly logs: string[];
    /** Every stack output with whether it is secret. */
    readonly outputs: Record<string, { value: unknown; secret: boolean }>;
}

/** What `inspectMesh(dir)` returns: every member, the problems and notes. */
export interface MeshInspection {
    readonly members: MeshMember[];
    readonly problems: Problem[];
    readonly notes: string[];
    readonly others: string[];
}

/** Stand-ins for what each member's stack exports once deployed, for the stack references. */
export function deployedOutputs(members: readonly MeshMember[]): StackOutputs {
    const outputs: StackOutputs = {};
    const hubOwners = transitHubOwners(members);
    for (const m of members) {
        const vpc = m.cluster.vpcCIDR ? parseCidr(m.cluster.vpcCIDR) : undefined;
        outputs[m.stack] = {
            clusterName: m.cluster.name,
            // Exactly what m's own plan exports (stand-ins.ts): one function of its stack file.
            [STACK_OUTPUTS.endpoint]: standInEndpoint(m),
            // The ids the mock engine gives the member's own VPC and route table (`<name>-id`),
            // so routes one stack plans into a peer's table name the table the peer's plan has.
            ...(vpc
                ? { [STACK_OUTPUTS.network]: { vpcId: `${m.cluster.name}-vpc-id`, vpcCidr: m.cluster.vpcCIDR, routeTableId: `${m.cluster.name}-routes-id`, region: m.cluster.region } }
                : {}),
            // What the CA owner's own run records for its MeshCertificateAuthority ("mesh-ca"),
            // so every member of a mocked mesh carries the same CA, as a deployed one does.
            [STACK_OUTPUTS.caCertPem]: fakePem("CERTIFICATE", `${caResourceName(issuingGeneration(m.mesh.ca))}-cert`),
            [STACK_OUTPUTS.caKeyPem]: fakePem("PRIVATE KEY", `${caResourceName(issuingGeneration(m.mesh.ca))}-key`),
            // One CA per generation its file names, as the owner's run records them (lib/mesh-ca.ts).
            [STACK_OUTPUTS.caGenerations]: Object.fromEntries(
                usedGenerations(m.mesh.ca).map((g) => [generationKey(g), { certPem: fakePem("CERTIFICATE", `${caResourceName(g)}-cert`), privateKeyPem: fakePem("PRIVATE KEY", `${caResourceName(g)}-key`) }]),
            ),
            [STACK_OUTPUTS.meshCa]: meshCaOutput(m.mesh.ca),
            // What a hub owner's own run records for its TransitGatewayHub ("<name>-hub").
            ...(hubOwners.has(m.cluster.name)
                ? { [STACK_OUTPUTS.transitGateway]: { id: `${m.cluster.name}-hub-tgw-id`, routeTableId: `tgw-rtb-${m.cluster.name}-hub-tgw`, region: m.cluster.region } }
                : {}),
        };
    }
    return outputs;
}

const programPath = require.resolve("../../index");
const stacksPath = require.resolve("../../stacks");

type ModuleWrapper = (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string) => void;
let programWrapper: ModuleWrapper | undefined;

/**
 * Runs index.ts's top level as a new module. The first time, it is required as usual (tsx
 * compiles it) and the compiled source is kept; later runs call that source, compiled once,
 * with a fresh `module`: compiling it again for every stack cost more than planning one.
 */
function runProgramModule(): Record<string, unknown> {
    if (programWrapper) {
        const module: { exports: Record<string, unknown> } = { exports: {} };
        programWrapper.call(module.exports, module.exports, createRequire(programPath), module, programPath, path.dirname(programPath));
        return module.exports;
    }
    const proto = Module.prototype as unknown as { _compile: (this: unknown, content: string, filename: string) => unknown };
    const compile = proto._compile;
    let source: string | undefined;
    proto._compile = function (this: unknown, content: string, filename: string) {
        if (filename === programPath) {
            source = content;
        }
        return compile.call(this, content, filename);
    };
    try {
        delete require.cache[programPath];
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the program's top level is the stack: evaluated on purpose, once per stack
        return require(programPath) as Record<string, unknown>;
    } finally {
        proto._compile = compile;
        delete require.cache[programPath];
        if (source !== undefined) {
            programWrapper = vm.compileFunction(source, ["exports", "require", "module", "__filename", "__dirname"], { filename: programPath }) as ModuleWrapper;
        }
    }
}

/**
 * Evaluates index.ts afresh. While it runs, the program's `loadMesh(dir, stack)` is answered
 * from `inspection` (the same stack files, already read and validated once for the whole plan)
 * instead of re-reading every stack file per stack; any other call goes to the real loader.
 * Members are copied per stack, so no run sees another's objects.
 */
function evaluateProgram(dir: string, inspection: MeshInspection): Record<string, unknown> {
    const cached = require.cache[stacksPath];
    const original = cached?.exports as (Record<string, unknown> & { loadMesh: typeof loadMesh }) | undefined;
    if (cached && original && inspection.problems.length === 0) {
        const descriptors = Object.getOwnPropertyDescriptors(original);
        descriptors.loadMesh = {
            enumerable: true,
            value: (loadDir: string, stack: string): Mesh => {
                const members = structuredClone(inspection.members);
                const self = members.find((m) => m.stack === stack);
                if (path.resolve(loadDir) !== path.resolve(dir) || !self) {
                    return original.loadMesh(loadDir, stack);
                }
                return { members, self, peers: members.filter((m) => m !== self), notes: [...inspection.notes] };
            },
        };
        const patched = Object.defineProperties({}, descriptors) as Record<string, unknown>;
        cached.exports = patched;
    }
    try {
        return runProgramModule();
    } finally {
        if (cached && original) {
            cached.exports = original;
        }
    }
}

/**
 * Validates the mesh in `dir` (or takes `inspection`, the result of `inspectMesh(dir)`, when the
 * caller already has it), then runs index.ts as `stack`. Throws MeshConfigError first if the mesh
 * is wrong.
 */
export function runProgram(dir: string, stack: string, inspection?: MeshInspection): Promise<ProgramRun> {
    // Pulumi's runtime is process-wide: runs started together (tests, a plan and its
    // connectivity check) take turns.
    const run = queue.then(() => runProgramAlone(dir, stack, inspection ?? inspectMesh(dir)));
    queue = run.then(
        () => undefined,
        () => undefined,
    );
    return run;
}

let queue: Promise<void> = Promise.resolve();

async function runProgramAlone(dir: string, stack: string, inspection: MeshInspection): Promise<ProgramRun> {
    const { members, problems, notes } = inspection;
    const self = members.find((m) => m.stack === stack);
    if (problems.length > 0 || !self) {
        loadMesh(dir, stack); // throws, naming a missing stack file too
        throw new MeshConfigError(problems);
    }
    const project = projectNameIn(dir);
    const configured = members.flatMap((m) => {
        const facts = factsOfMember(m);
        return [...facts.names, ...facts.addresses];
    });
    const engine = await installMockEngine(stack, { stackOutputs: deployedOutputs(members), kindNodeAddresses: self.cluster.kind === "kind" ? kindStandInAddresses(self) : undefined, configured }, project);
    // No Pulumi CLI, so stack secrets cannot be decrypted: stand-ins, marked secret, go in.
    // Set on every run, even empty, so no config is left over from the previous stack.
    const keys = self.secretKeys.map((k) => `clustermesh:${k}`);
    pulumi.runtime.setAllConfig(Object.fromEntries(keys.map((k) => [k, `stand-in for the encrypted ${k}`])), keys);
    // With no engine to send them to, pulumi.log writes to the console: collect them instead,
    // so `--json` stays one JSON document.
    const logs: string[] = [];
    const log = pulumi.log as unknown as Record<"info" | "warn" | "debug", (msg: string) => void>;
    log.info = (msg) => void logs.push(`info: ${msg}`);
    log.warn = (msg) => void logs.push(`warning: ${msg}`);
    log.debug = () => undefined;
    process.env.CLUSTERMESH_PROJECT_DIR = dir;
    const program = evaluateProgram(dir, inspection);
    await settle();
    const outputs: ProgramRun["outputs"] = {};
    for (const key of Object.keys(program).sort()) {
        if (program[key] !== undefined) {
            outputs[key] = await peek(program[key] as never);
        }
    }
    await settle();
    return { members, self, project, notes, logs, resources: engine.resources, outputs };
}

/**
 * `--serve`: one recording per line of stdin (`{"id", "dir", "stack"}` as JSON), each answered
 * by one line of stdout (`{"id", "recording"}` or `{"id", "error"}`), in turn, until stdin
 * closes. The tests' `record()` keeps one such process rather than starting one per stack:
 * starting Node, tsx and Pulumi costs more than running the program once more.
 */
function serve(): void {
    let buffered = "";
    const answer = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (chunk: string) => {
        buffered += chunk;
        let end: number;
        while ((end = buffered.indexOf("\n")) >= 0) {
            const { id, dir, stack } = JSON.parse(buffered.slice(0, end)) as { id: number; dir: string; stack: string };
            buffered = buffered.slice(end + 1);
            runProgram(dir, stack).then(
                (run) => answer({ id, recording: { resources: run.resources, outputs: run.outputs } }),
                (err: unknown) => answer({ id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
            );
        }
    });
}

if (require.main === module) {
    // node --import tsx scripts/plan/run-program.ts <dir> <stack>: the recording as JSON, for tests.
    const [dir, stack] = process.argv.slice(2);
    if (dir === "--serve") {
        serve();
    } else {
        runProgram(dir, stack).then(
            (run) => process.stdout.write(JSON.stringify({ resources: run.resources, outputs: run.outputs })),
            (err: unknown) => {
                process.stderr.write(err instanceof Error ? (err.stack ?? err.message) : String(err));
                process.exitCode = 1;
            },
        );
    }
}
