/**
 * clustermesh <command> [flags]: the entry of the one command (package.json `bin` runs it
 * through bin/clustermesh.js; the npm scripts are aliases). The table of subcommands is in
 * scripts/clustermesh/commands.ts.
 */
import { runMain } from "./common/main";
import { clustermesh } from "./clustermesh/commands";

runMain("clustermesh", () =>
    clustermesh(process.argv.slice(2), {
        out: (text) => process.stdout.write(text),
        err: (text) => process.stderr.write(text),
        env: process.env,
        cwd: process.cwd(),
    }),
);
