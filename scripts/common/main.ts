/**
 * How every command ends: its exit code is set only once everything it wrote to stdout and
 * stderr has reached the other end. `process.exit()` right after a large write drops what the
 * pipe has not taken yet (64 KiB on Linux), so `npm run plan -- --json | jq .` got truncated JSON.
 *
 * Write errors: a reader that went away (EPIPE, `| head -1`) is not an error of the command;
 * any other (ENOSPC on a full disk, EIO) is, and the command exits non-zero whatever it had
 * done, so a truncated plan is never taken for a whole one. Commands that change things
 * (`verify --failover`, `mesh`) subscribe to `onOutputGone` and stop cleanly: they restore what
 * they changed instead of dying mid-way.
 */

/** Exit code of a command whose output could not be written (not EPIPE). */
export const WRITE_ERROR_EXIT = 1;

type Gone = (reason: string) => void;
const goneListeners = new Set<Gone>();
let writeError: string | undefined;
let outputGone = false;
const guarded = new WeakSet<NodeJS.WritableStream>();

/** Why the output failed (not EPIPE), if it did. */
export function outputWriteError(): string | undefined {
    return writeError;
}

/** Whether stdout or stderr went away or failed. */
export function isOutputGone(): boolean {
    return outputGone;
}

/** Calls `listener` once when stdout or stderr goes away or fails; returns the unsubscribe. */
export function onOutputGone(listener: Gone): () => void {
    goneListeners.add(listener);
    return () => goneListeners.delete(listener);
}

/**
 * Listens for errors on stdout and stderr (without a listener Node dies on the first one, with a
 * stack trace and whatever the command had changed left as it was). Idempotent.
 */
export function guardOutput(streams: readonly NodeJS.WritableStream[] = [process.stdout, process.stderr]): void {
    for (const stream of streams) {
        if (guarded.has(stream)) continue;
        guarded.add(stream);
        stream.on("error", (err: NodeJS.ErrnoException) => {
            if (err.code !== "EPIPE") {
                writeError ??= `${err.code ?? "error"}: ${err.message}`;
                process.exitCode = WRITE_ERROR_EXIT;
                if (stream !== process.stderr) {
                    try {
                        process.stderr.write(`output could not be written (${writeError}); the output is incomplete\n`);
                    } catch {
                        // stderr failed too: the exit code says it
                    }
                }
            }
            if (!outputGone) {
                outputGone = true;
                for (const listener of [...goneListeners]) {
                    listener(err.code === "EPIPE" ? "the reader of the output went away (EPIPE)" : `the output could not be written (${err.code ?? "error"})`);
                }
            }
        });
    }
}

/** Exits with `code` once stdout and stderr have flushed what was written to them (non-zero after a write error). */
export function exitWhenFlushed(code: number): void {
    guardOutput();
    const failed = () => writeError !== undefined || [process.stdout, process.stderr].some((s) => s.errored && (s.errored as NodeJS.ErrnoException).code !== "EPIPE");
    const final = () => (failed() && code === 0 ? WRITE_ERROR_EXIT : code);
    process.exitCode = final();
    const streams = [process.stdout, process.stderr];
    const flushed = new Set<NodeJS.WriteStream>();
    for (const stream of streams) {
        const done = () => {
            if (flushed.has(stream)) return;
            flushed.add(stream);
            if (flushed.size === streams.length) {
                // Exit explicitly: a library may leave a handle open (a timer, a socket) that
                // would keep the process alive after the command has finished. On the next turn,
                // so an error of the last write has been reported first.
                setImmediate(() => process.exit(final()));
            }
        };
        stream.once("error", done);
        if (stream.destroyed || stream.writableEnded) {
            done();
        } else {
            stream.write("", done);
        }
    }
}

/** Runs a command's main function; a crash prints `<name> failed:` and the stack, exit code 1. */
export function runMain(name: string, main: () => Promise<number>): void {
    guardOutput();
    main().then(exitWhenFlushed, (err: unknown) => {
        process.stderr.write(`${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        exitWhenFlushed(1);
    });
}
