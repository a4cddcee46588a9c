/**
 * npm run add-region -- ...: an alias of `clustermesh add-region` (scripts/add-region/cli.ts).
 */
import { runMain } from "./common/main";
import { clustermesh } from "./clustermesh/commands";

runMain("add-region", () => clustermesh(["add-region", ...process.argv.slice(2)], { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), env: process.env, cwd: process.cwd() }));
