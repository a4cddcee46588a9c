/**
 * CIDR arithmetic for mesh validation: parsing, overlap detection and finding a free range.
 * Parsing is ipaddr.js's; ranges are held as bigint [first, last] so IPv4 and IPv6 share one
 * code path and a 255-cluster mesh is checked with one sort and one sweep.
 */
import * as ipaddr from "ipaddr.js";
import { byCodePoint } from "./order";

export type IpFamily = "ipv4" | "ipv6";

export interface CidrRange {
    /** The CIDR as written, e.g. `10.11.0.0/16`. */
    readonly text: string;
    readonly family: IpFamily;
    readonly prefix: number;
    /** First and last address as integers. */
    readonly first: bigint;
    readonly last: bigint;
}

const BITS: Record<IpFamily, number> = { ipv4: 32, ipv6: 128 };

function toBigInt(address: ipaddr.IPv4 | ipaddr.IPv6): bigint {
    return address.toByteArray().reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
}

function fromBigInt(value: bigint, family: IpFamily): string {
    const bytes: number[] = [];
    for (let i = 0; i < BITS[family] / 8; i++) {
        bytes.unshift(Number(value & 0xffn));
        value >>= 8n;
    }
    return ipaddr.fromByteArray(bytes).toString();
}

/**
 * Parses `address/prefix`. Returns undefined for anything that is not a canonical CIDR block:
 * a missing prefix, or host bits set (`10.11.0.1/16`), which would silently mean a different
 * range to different tools.
 */
export function parseCidr(text: string): CidrRange | undefined {
    if (typeof text !== "string" || !/^[0-9a-fA-F:.]+\/\d{1,3}$/.test(text)) {
        return undefined;
    }
    let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
    try {
        parsed = ipaddr.parseCIDR(text);
    } catch {
        return undefined;
    }
    const [address, prefix] = parsed;
    const family: IpFamily = address.kind() === "ipv4" ? "ipv4" : "ipv6";
    const hostBits = BigInt(BITS[family] - prefix);
    const first = toBigInt(address);
    const size = 1n << hostBits;
    if (first % size !== 0n) {
        return undefined;
    }
    return { text, family, prefix, first, last: first + size - 1n };
}

/** Parses an IP address (no prefix) into a one-address range; undefined for a DNS name. */
export function parseAddress(text: string): CidrRange | undefined {
    if (!ipaddr.isValid(text)) {
        return undefined;
    }
    const address = ipaddr.parse(text);
    const family: IpFamily = address.kind() === "ipv4" ? "ipv4" : "ipv6";
    const value = toBigInt(address);
    return { text, family, prefix: BITS[family], first: value, last: value };
}

export function overlaps(a: CidrRange, b: CidrRange): boolean {
    return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/** The `n`-th address of a range, e.g. `nthAddress(10.12.0.0/16, 10)` is 10.12.0.10. */
export function nthAddress(range: CidrRange, n: number): string {
    const value = range.first + BigInt(n);
    if (value > range.last) {
        throw new Error(`${range.text} has no address number ${n}`);
    }
    return fromBigInt(value, range.family);
}

/** The CIDR of `prefix` length that starts at `first`. */
function blockAt(first: bigint, prefix: number, family: IpFamily): CidrRange {
    const size = 1n << BigInt(BITS[family] - prefix);
    return { text: `${fromBigInt(first, family)}/${prefix}`, family, prefix, first, last: first + size - 1n };
}

/**
 * Every pair of overlapping ranges, found with one sort and a sweep over the ranges still
 * open: O(n log n + overlaps), so a 511-cluster mesh costs about what a 2-cluster one does.
 */
export function findOverlaps<T extends { range: CidrRange }>(items: readonly T[]): Array<[T, T]> {
    const sorted = [...items].sort((a, b) =>
        a.range.family !== b.range.family
            ? byCodePoint(a.range.family, b.range.family)
            : a.range.first < b.range.first
              ? -1
              : a.range.first > b.range.first
                ? 1
                : 0,
    );
    const pairs: Array<[T, T]> = [];
    let open: T[] = [];
    for (const item of sorted) {
        open = open.filter((o) => o.range.family === item.range.family && o.range.last >= item.range.first);
        for (const o of open) {
            pairs.push([o, item]);
        }
        open.push(item);
    }
    return pairs;
}

/**
 * A block of the same size as `like` that overlaps none of `used`, searched upwards from
 * `like` within the private range it sits in (10/8, 172.16/12, 192.168/16 or fd00::/8), so the
 * suggestion can be pasted into the stack file as it is.
 */
export function suggestFreeRange(like: CidrRange, used: readonly CidrRange[]): string | undefined {
    const pools = like.family === "ipv4" ? ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] : ["fd00::/8"];
    const pool = pools.map((p) => parseCidr(p)!).find((p) => p.first <= like.first && like.last <= p.last) ?? parseCidr(pools[0])!;
    if (like.prefix < pool.prefix) {
        return undefined;
    }
    const start = like.first >= pool.first && like.last <= pool.last ? like.first : pool.first;
    // From `like` to the end of the pool, then wrap to the pool's beginning.
    return (firstFreeBlock(pool, like.prefix, used, start) ?? firstFreeBlock(pool, like.prefix, used, pool.first, start - 1n))?.text;
}

/**
 * The first block of `prefix` length inside `pool`, at or after `from` and ending by `until`
 * (default: the pool's end), that overlaps none of `used`. Jumps past each blocking range
 * instead of stepping one block at a time, so it is fast however full the pool is.
 */
export function firstFreeBlock(pool: CidrRange, prefix: number, used: readonly CidrRange[], from = pool.first, until = pool.last): CidrRange | undefined {
    if (prefix < pool.prefix || prefix > BITS[pool.family]) {
        return undefined;
    }
    const size = 1n << BigInt(BITS[pool.family] - prefix);
    const sorted = used.filter((u) => u.family === pool.family && u.last >= from && u.first <= until).sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    let candidate = ((from + size - 1n) / size) * size;
    while (candidate + size - 1n <= until) {
        const block = blockAt(candidate, prefix, pool.family);
        const blocker = sorted.find((u) => overlaps(u, block));
        if (!blocker) {
            return block;
        }
        candidate = ((blocker.last + 1n + size - 1n) / size) * size;
    }
    return undefined;
}

/** The smallest CIDR block covering every range given (IPv4 or IPv6, not mixed). */
export function coveringCidr(texts: readonly string[]): string {
    const ranges = texts.map((t) => {
        const r = parseCidr(t);
        if (!r) {
            throw new Error(`${t} is not a CIDR block`);
        }
        return r;
    });
    if (ranges.length === 0 || ranges.some((r) => r.family !== ranges[0].family)) {
        throw new Error("coveringCidr needs at least one range, all of one family");
    }
    const family = ranges[0].family;
    const first = ranges.reduce((m, r) => (r.first < m ? r.first : m), ranges[0].first);
    const last = ranges.reduce((m, r) => (r.last > m ? r.last : m), ranges[0].last);
    for (let prefix = Math.min(...ranges.map((r) => r.prefix)); prefix >= 0; prefix--) {
        const size = 1n << BigInt(BITS[family] - prefix);
        const start = (first / size) * size;
        if (start + size - 1n >= last) {
            return blockAt(start, prefix, family).text;
        }
    }
    return blockAt(0n, 0, family).text;
}
