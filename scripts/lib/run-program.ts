/**
 * Runs the real program (index.ts) for one stack under the mock engine and returns what it
 * registered and exported. Shared by `npm run plan` and the whole-stack tests. One stack per
 * process: Pulumi's mock runtime is process-wide.
 */
import { CLUSTERMESH_LOAD_BALANCER_PORT, loadBalancerEndpoint, nodePortEndpoint, STACK_OUTPUTS } from "../../lib/contract";
import { regionHubs } from "../../lib/topology";
import { meshVpcs, inspectMesh, loadMesh, MeshConfigError, nthAddress, parseCidr, type MeshMember } from "../../stacks";
import { fakePem, installMockEngine, peek, settle, type RecordedResource, type StackOutputs } from "./mock-engine";

export interface ProgramRun {
    readonly members: MeshMember[];
    readonly self: MeshMember;
    readonly notes: string[];
    readonly resources: RecordedResource[];
    /** What the program logged (pulumi.log), in order: shown by the plan, kept off stdout. */
    readonly logs: string[];
    /** Every stack output with whether it is secret. */
    readonly outputs: Record<string, { value: unknown; secret: boolean }>;
}

/**
 * Stand-ins for a kind member's node containers on the shared Docker network: Docker hands
 * addresses out from the subnet's start, so they are shown as addresses near it, per member.
 */
export function kindStandInAddresses(m: MeshMember): string[] {
    const subnet = parseCidr(m.kind.networkSubnet);
    return subnet ? Array.from({ length: 1 + m.kind.workers }, (_, i) => nthAddress(subnet, m.cluster.id * 16 + i + 2)) : [];
}

/** Stand-ins for what each member's stack exports once deployed, for the stack references. */
export function deployedOutputs(members: readonly MeshMember[]): StackOutputs {
    const outputs: StackOutputs = {};
    const transit = members.some((m) => m.network.topology === "transit-gateway");
    const hubOwners = new Set(transit ? regionHubs(meshVpcs(members)).map((h) => h.owner.name) : []);
    for (const m of members) {
        const vpc = m.cluster.vpcCIDR ? parseCidr(m.cluster.vpcCIDR) : undefined;
        const host = m.k3s.host ? (m.k3s.host.privateAddress ?? m.k3s.host.address) : undefined;
        outputs[m.stack] = {
            clusterName: m.cluster.name,
            [STACK_OUTPUTS.endpoint]:
                m.cluster.kind === "eks"
                    ? // The internal NLB's addresses in the VPC's two subnets, on the load balancer's port.
                      loadBalancerEndpoint(m.cluster.name, vpc ? [nthAddress(vpc, 100), nthAddress(vpc, Number((vpc.last - vpc.first + 1n) / 2n) + 100)] : [])
                    : m.bgp.enabled && m.bgp.apiserverAddress !== undefined
                      ? nodePortEndpoint(m.cluster.name, [m.bgp.apiserverAddress], CLUSTERMESH_LOAD_BALANCER_PORT)
                      : m.cluster.kind === "kind"
                        ? nodePortEndpoint(m.cluster.name, kindStandInAddresses(m), m.cilium.apiserverNodePort)
                        : nodePortEndpoint(m.cluster.name, [host ?? (vpc ? nthAddress(vpc, 10) : "192.0.2.10")], m.cilium.apiserverNodePort),
            // The ids the mock engine gives the member's own VPC and route table (`<name>-id`),
            // so routes one stack plans into a peer's table name the table the peer's plan has.
            ...(vpc
                ? { [STACK_OUTPUTS.network]: { vpcId: `${m.cluster.name}-vpc-id`, vpcCidr: m.cluster.vpcCIDR, routeTableId: `${m.cluster.name}-routes-id`, region: m.cluster.region } }
                : {}),
            // What the CA owner's own run records for its MeshCertificateAuthority ("mesh-ca"),
            // so every member of a mocked mesh carries the same CA, as a deployed one does.
            [STACK_OUTPUTS.caCertPem]: fakePem("CERTIFICATE", "mesh-ca-cert"),
            [STACK_OUTPUTS.caKeyPem]: fakePem("PRIVATE KEY", "mesh-ca-key"),
            // What a hub owner's own run records for its TransitGatewayHub ("<name>-hub").
            ...(hubOwners.has(m.cluster.name)
                ? { [STACK_OUTPUTS.transitGateway]: { id: `${m.cluster.name}-hub-tgw-id`, routeTableId: `tgw-rtb-${m.cluster.name}-hub-tgw`, region: m.cluster.region } }
                : {}),
        };
    }
    return outputs;
}

/** Validates the mesh in `dir`, then runs index.ts as `stack`. Throws MeshConfigError first if the mesh is wrong. */
export async function runProgram(dir: string, stack: string): Promise<ProgramRun> {
    const { members, problems, notes } = inspectMesh(dir);
    const self = members.find((m) => m.stack === stack);
    if (problems.length > 0 || !self) {
        loadMesh(dir, stack); // throws, naming a missing stack file too
        throw new MeshConfigError(problems);
    }
    const engine = await installMockEngine(stack, { stackOutputs: deployedOutputs(members) });
    const pulumi = await import("@pulumi/pulumi");
    if (self.secretKeys.length > 0) {
        // No Pulumi CLI, so stack secrets cannot be decrypted: stand-ins, marked secret, go in.
        const keys = self.secretKeys.map((k) => `clustermesh:${k}`);
        pulumi.runtime.setAllConfig(Object.fromEntries(keys.map((k) => [k, `stand-in for the encrypted ${k}`])), keys);
    }
    // With no engine to send them to, pulumi.log writes to the console: collect them instead,
    // so `--json` stays one JSON document.
    const logs: string[] = [];
    const log = pulumi.log as unknown as Record<"info" | "warn" | "debug", (msg: string) => void>;
    log.info = (msg) => void logs.push(`info: ${msg}`);
    log.warn = (msg) => void logs.push(`warning: ${msg}`);
    log.debug = () => undefined;
    process.env.CLUSTERMESH_PROJECT_DIR = dir;
    const program = (await import("../../index")) as Record<string, unknown>;
    await settle();
    const outputs: ProgramRun["outputs"] = {};
    for (const key of Object.keys(program).sort()) {
        if (program[key] !== undefined) {
            outputs[key] = await peek(program[key] as never);
        }
    }
    await settle();
    return { members, self, notes, logs, resources: engine.resources, outputs };
}

if (require.main === module) {
    // node --import tsx scripts/lib/run-program.ts <dir> <stack>: the recording as JSON, for tests.
    const [dir, stack] = process.argv.slice(2);
    runProgram(dir, stack).then(
        (run) => process.stdout.write(JSON.stringify({ resources: run.resources, outputs: run.outputs })),
        (err: unknown) => {
            process.stderr.write(err instanceof Error ? (err.stack ?? err.message) : String(err));
            process.exit(1);
        },
    );
}
