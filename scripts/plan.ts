/**
 * npm run plan -- --stack <name> [--json] [--dir DIR]
 * npm run plan -- --all [--json] [--dir DIR] [--workers N]
 *
 * Entry point; the command lives in scripts/plan/cli.ts, the mock engine and the program runner
 * beside it in scripts/plan/.
 */
import { runMain } from "./common/main";
import { planCli } from "./plan/cli";

runMain("plan", () =>
    planCli(process.argv.slice(2), {
        out: (text) => process.stdout.write(text),
        err: (text) => process.stderr.write(text),
    }),
);
