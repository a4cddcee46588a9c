/**
 * npm run mesh -- preview|up|destroy [--stacks a,b] [--parallel N] [--logs DIR] [--yes]
 *
 * Entry point; the command lives in scripts/mesh/cli.ts, the order in scripts/mesh/plan-order.ts,
 * the concurrent runner in scripts/mesh/runner.ts and its progress view in scripts/mesh/progress.ts.
 */
import { projectDir } from "../stacks";
import { runMain } from "./common/main";
import { meshCli } from "./mesh/cli";
import { AutomationWorkspace, pulumiCliVersion } from "./mesh/workspace";

runMain("mesh", () =>
    meshCli(process.argv.slice(2), {
        dir: projectDir(),
        checkCli: () => pulumiCliVersion(),
        workspace: (dir, logDir) => new AutomationWorkspace(dir, logDir),
        out: (line) => process.stdout.write(`${line}\n`),
        err: (line) => process.stderr.write(`${line}\n`),
    }),
);
