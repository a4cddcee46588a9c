/**
 * npm run verify -- --stack <name> [--kubeconfig FILE] [--failover] [--requests N] [--timeout S]
 *
 * Entry point; the command lives in scripts/verify/cli.ts, the checks in scripts/verify/checks.ts.
 */
import { projectDir } from "../stacks";
import { defaultDeps, verifyCli } from "./verify/cli";

verifyCli(process.argv.slice(2), defaultDeps(projectDir())).then(
    (code) => process.exit(code),
    (e: unknown) => {
        process.stderr.write(`verify failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        process.exit(1);
    },
);
