/**
 * How every command ends: its exit code is set only once everything it wrote to stdout and
 * stderr has reached the other end. `process.exit()` right after a large write drops what the
 * pipe has not taken yet (64 KiB on Linux), so `npm run plan -- --json | jq .` got truncated JSON.
 */

/** Exits with `code` once stdout and stderr have flushed what was written to them. */
export function exitWhenFlushed(code: number): void {
    process.exitCode = code;
    const streams = [process.stdout, process.stderr];
    const flushed = new Set<NodeJS.WriteStream>();
    for (const stream of streams) {
        const done = () => {
            flushed.add(stream);
            if (flushed.size === streams.length) {
                // Exit explicitly: a library may leave a handle open (a timer, a socket) that
                // would keep the process alive after the command has finished.
                process.exit(code);
            }
        };
        // A reader that went away (`| head`) is not an error of the command.
        stream.once("error", done);
        stream.write("", done);
    }
}

/** Runs a command's main function; a crash prints `<name> failed:` and the stack, exit code 1. */
export function runMain(name: string, main: () => Promise<number>): void {
    main().then(exitWhenFlushed, (err: unknown) => {
        process.stderr.write(`${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        exitWhenFlushed(1);
    });
}
