/**
 * npm run verify -- --stack <name> [--kubeconfig FILE] [--failover] [--requests N] [--timeout S]
 *
 * Entry point; the command lives in scripts/verify/cli.ts, the checks in scripts/verify/checks.ts.
 */
import { projectDir } from "../stacks";
import { runMain } from "./common/main";
import { defaultDeps, verifyCli } from "./verify/cli";

runMain("verify", () => verifyCli(process.argv.slice(2), defaultDeps(projectDir())));
