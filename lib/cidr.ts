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

/** A decimal number as written by a person who means it: no sign, no leading zeros. */
const DECIMAL = /^(0|[1-9]\d*)$/;

/**
 * An IPv4 address as a strict dotted quad: four decimal parts 0-255, no leading zeros. `10.021.0.0`
 * is refused (some tools read `021` as octal 17, others as 21) and so is `10.21.0` (inet_aton
 * fills in a zero, most tools refuse it): a value every tool reads the same way, or none.
 */
function strictIpv4(text: string): bigint | undefined {
    const parts = text.split(".");
    if (parts.length !== 4 || !parts.every((p) => DECIMAL.test(p) && p.length <= 3 && Number(p) <= 255)) {
        return undefined;
    }
    return parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

/** An IPv6 address (no zone, no embedded IPv4 quirks) as an integer, or undefined. */
function strictIpv6(text: string): bigint | undefined {
    if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(":") || !ipaddr.IPv6.isValid(text)) {
        return undefined;
    }
    const tail = text.slice(text.lastIndexOf(":") + 1);
    if (tail.includes(".") && strictIpv4(tail) === undefined) {
        return undefined;
    }
    return toBigInt(ipaddr.IPv6.parse(text));
}

/** An address's family and value, parsed strictly; undefined for anything else. */
function strictAddress(text: string): { family: IpFamily; value: bigint } | undefined {
    if (typeof text !== "string") {
        return undefined;
    }
    const v4 = strictIpv4(text);
    if (v4 !== undefined) {
        return { family: "ipv4", value: v4 };
    }
    const v6 = strictIpv6(text);
    return v6 === undefined ? undefined : { family: "ipv6", value: v6 };
}

/**
 * Parses `address/prefix`, strictly: the one CIDR parser of the project (validation, the
 * components, the plan, the connectivity model). Returns undefined for anything that is not a
 * canonical CIDR block: a missing prefix, host bits set (`10.11.0.1/16`, which would silently
 * mean a different range to different tools), an IPv4 address that is not a strict dotted quad
 * (`10.021.0.0/16`, `10.21.0/16`), or a prefix with leading zeros or out of range.
 */
export function parseCidr(text: string): CidrRange | undefined {
    if (typeof text !== "string") {
        return undefined;
    }
    const slash = text.indexOf("/");
    if (slash < 0 || slash !== text.lastIndexOf("/")) {
        return undefined;
    }
    const address = strictAddress(text.slice(0, slash));
    const prefixText = text.slice(slash + 1);
    if (!address || !DECIMAL.test(prefixText)) {
        return undefined;
    }
    const prefix = Number(prefixText);
    if (prefix > BITS[address.family]) {
        return undefined;
    }
    const size = 1n << BigInt(BITS[address.family] - prefix);
    if (address.value % size !== 0n) {
        return undefined;
    }
    return { text, family: address.family, prefix, first: address.value, last: address.value + size - 1n };
}

/** Parses an IP address (no prefix, strict as `parseCidr`) into a one-address range; undefined for a DNS name. */
export function parseAddress(text: string): CidrRange | undefined {
    const address = strictAddress(text);
    if (!address) {
        return undefined;
    }
    return { text, family: address.family, prefix: BITS[address.family], first: address.value, last: address.value };
}

/** Whether `text` looks like an attempt at an IPv4 address (digits and dots only), valid or not. */
export function looksLikeIpv4(text: string): boolean {
    return /^[0-9.]+$/.test(text);
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
