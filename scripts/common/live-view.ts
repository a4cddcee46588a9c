/**
 * A view of a long operation on stderr: on a terminal, a block of lines redrawn in place
 * (log-update); elsewhere (CI logs, files), plain lines with a timestamp, written only when
 * something changes, so the log reads top to bottom.
 */
import { createLogUpdate } from "log-update";

export interface LiveViewOptions {
    /** Where the view goes; default process.stderr. */
    readonly stream?: NodeJS.WriteStream;
    /** Redraw in place; default: whether `stream` is a terminal. */
    readonly tty?: boolean;
    /** The clock, for the timestamps (tests pass a fixed one). */
    readonly now?: () => Date;
}

/** `[12:03:04]`: the time of day in UTC, as CI logs show it. */
export function timestamp(date: Date): string {
    return `[${date.toISOString().slice(11, 19)}]`;
}

/** `4s`, `2m05s`, `1h02m`: a duration short enough for a table cell. */
export function formatDuration(ms: number): string {
    const s = Math.floor(ms / 1000);
    if (s < 60) {
        return `${s}s`;
    }
    const m = Math.floor(s / 60);
    if (m < 60) {
        return `${m}m${String(s % 60).padStart(2, "0")}s`;
    }
    return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

export class LiveView {
    readonly tty: boolean;
    private readonly stream: NodeJS.WriteStream;
    private readonly now: () => Date;
    private readonly update?: ReturnType<typeof createLogUpdate>;

    constructor(options: LiveViewOptions = {}) {
        this.stream = options.stream ?? process.stderr;
        this.tty = options.tty ?? this.stream.isTTY === true;
        this.now = options.now ?? (() => new Date());
        this.update = this.tty ? createLogUpdate(this.stream, { showCursor: true }) : undefined;
    }

    /** On a terminal: replaces the block drawn last with `lines`. Elsewhere: does nothing. */
    draw(lines: readonly string[]): void {
        this.update?.(lines.join("\n"));
    }

    /** A line that stays: above the block on a terminal, timestamped elsewhere. */
    log(line: string): void {
        if (this.update) {
            this.update.clear();
            this.stream.write(`${line}\n`);
        } else {
            this.stream.write(`${timestamp(this.now())} ${line}\n`);
        }
    }

    /** Leaves the last block on screen and stops redrawing it. */
    done(): void {
        this.update?.done();
    }
}
