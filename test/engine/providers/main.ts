/**
 * `pulumi-resource-{tls,random,command}` for the engine tests: one entry, the provider chosen by
 * the first argument (the plugin wrappers in scripts/engine pass it). See ./server.ts.
 */
import { commandResources } from "./command";
import { randomResources } from "./random";
import { type ResourceType, serve } from "./server";
import { tlsResources } from "./tls";

/** Versions @pulumi/{tls,random,command} in package-lock.json ask for (the engine matches exactly). */
export const STAND_INS: Record<string, { version: string; resources: Record<string, ResourceType> }> = {
    tls: { version: "5.6.1", resources: tlsResources },
    random: { version: "4.21.2", resources: randomResources },
    command: { version: "1.2.1", resources: commandResources },
};

const [name, ...rest] = process.argv.slice(2);
const def = STAND_INS[name ?? ""];
if (!def) {
    process.stderr.write(`usage: main.ts tls|random|command ENGINE_ADDRESS\n`);
    process.exit(2);
}
void serve({ name: name ?? "", version: def.version, resources: def.resources }, rest);
