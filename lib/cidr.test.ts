import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { coveringCidr, findOverlaps, nthAddress, overlaps, parseAddress, parseCidr, suggestFreeRange, type CidrRange } from "./cidr";
import { member } from "../test/stack-files";
import { validateMesh } from "../stacks/validate";

/** A random IPv4 CIDR inside 10.0.0.0/8 with a prefix from 8 to 28, host bits zero. */
const cidrArb = fc.tuple(fc.integer({ min: 0, max: 2 ** 24 - 1 }), fc.integer({ min: 8, max: 28 })).map(([offset, prefix]) => {
    const size = 2 ** (32 - prefix);
    const first = 10 * 2 ** 24 + Math.floor(offset / size) * size;
    const octets = [24, 16, 8, 0].map((shift) => Math.floor(first / 2 ** shift) % 256);
    return `${octets.join(".")}/${prefix}`;
});

function addressesOf(range: CidrRange): [number, number] {
    return [Number(range.first), Number(range.last)];
}

describe("parseCidr", () => {
    it("parses IPv4 and IPv6 blocks", () => {
        assert.deepEqual(addressesOf(parseCidr("10.11.0.0/16")!), [168493056, 168558591]);
        assert.equal(parseCidr("fd00:10::/64")?.family, "ipv6");
    });

    it("refuses host bits, missing or out-of-range prefixes and garbage", () => {
        for (const bad of ["10.021.0.0/16", "10.21.0/16", "10.21.0.0/016", "10.21.0.0/+16", "0x0a.21.0.0/16", "10.21.0.0/16/16", "10.11.0.1/16", "10.11.0.0", "10.11.0.0/33", "10.11.0.0/-1", "ten/8", "", "10.11.0.0/16 ", "300.1.1.0/24"]) {
            assert.equal(parseCidr(bad), undefined, bad);
        }
    });

    it("parses single addresses", () => {
        assert.equal(parseAddress("172.30.1.89")?.prefix, 32);
        assert.equal(parseAddress("host.example.com"), undefined);
        assert.equal(parseAddress("10.021.0.1"), undefined);
        assert.equal(parseAddress("10.1"), undefined);
    });
});

describe("overlap", () => {
    it("agrees with comparing address ranges directly (property)", () => {
        fc.assert(
            fc.property(cidrArb, cidrArb, (a, b) => {
                const [a1, a2] = addressesOf(parseCidr(a)!);
                const [b1, b2] = addressesOf(parseCidr(b)!);
                assert.equal(overlaps(parseCidr(a)!, parseCidr(b)!), a1 <= b2 && b1 <= a2);
            }),
        );
    });

    it("findOverlaps finds exactly the pairs a pairwise check finds (property)", () => {
        fc.assert(
            fc.property(fc.array(cidrArb, { maxLength: 25 }), (texts) => {
                const items = texts.map((text, i) => ({ i, range: parseCidr(text)! }));
                const expected = new Set<string>();
                for (let x = 0; x < items.length; x++) {
                    for (let y = x + 1; y < items.length; y++) {
                        if (overlaps(items[x].range, items[y].range)) {
                            expected.add(`${x}-${y}`);
                        }
                    }
                }
                const found = new Set(findOverlaps(items).map(([p, q]) => `${Math.min(p.i, q.i)}-${Math.max(p.i, q.i)}`));
                assert.deepEqual([...found].sort(), [...expected].sort());
            }),
        );
    });

    it("never mixes families", () => {
        assert.equal(overlaps(parseCidr("10.0.0.0/8")!, parseCidr("::/0")!), false);
    });
});

describe("suggestFreeRange", () => {
    it("suggests a block of the same size that overlaps nothing used (property)", () => {
        fc.assert(
            fc.property(cidrArb.filter((c) => parseCidr(c)!.prefix >= 12), fc.array(cidrArb.filter((c) => parseCidr(c)!.prefix >= 12), { maxLength: 20 }), (like, used) => {
                const usedRanges = used.map((u) => parseCidr(u)!);
                const suggestion = suggestFreeRange(parseCidr(like)!, usedRanges);
                assert.ok(suggestion, `no suggestion for ${like} beside ${used.join(", ")}`);
                const range = parseCidr(suggestion)!;
                assert.equal(range.prefix, parseCidr(like)!.prefix);
                assert.ok(usedRanges.every((u) => !overlaps(u, range)), `${suggestion} overlaps one of ${used.join(", ")}`);
            }),
        );
    });

    it("walks upwards from the offending block", () => {
        const used = ["10.11.0.0/16", "10.12.0.0/16"].map((c) => parseCidr(c)!);
        assert.equal(suggestFreeRange(parseCidr("10.11.0.0/16")!, used), "10.13.0.0/16");
    });

    it("stays in the private pool of the offending block", () => {
        assert.equal(suggestFreeRange(parseCidr("192.168.0.0/16")!, [parseCidr("192.168.0.0/16")!]), undefined);
        assert.equal(suggestFreeRange(parseCidr("172.16.0.0/16")!, [parseCidr("172.16.0.0/16")!]), "172.17.0.0/16");
    });
});

describe("address helpers", () => {
    it("nthAddress gives k3s's cluster-dns address", () => {
        assert.equal(nthAddress(parseCidr("10.12.0.0/16")!, 10), "10.12.0.10");
        assert.throws(() => nthAddress(parseCidr("10.12.0.0/30")!, 10), /has no address number 10/);
    });

    it("coveringCidr covers every pod CIDR of the mesh", () => {
        assert.equal(coveringCidr(["10.11.0.0/16", "10.21.0.0/16"]), "10.0.0.0/11");
        assert.equal(coveringCidr(["10.11.0.0/16"]), "10.11.0.0/16");
        fc.assert(
            fc.property(fc.array(cidrArb, { minLength: 1, maxLength: 10 }), (texts) => {
                const cover = parseCidr(coveringCidr(texts))!;
                for (const t of texts) {
                    const r = parseCidr(t)!;
                    assert.ok(cover.first <= r.first && r.last <= cover.last, `${cover.text} does not cover ${t}`);
                }
            }),
        );
    });
});

describe("id rules (property)", () => {
    const idsArb = fc.uniqueArray(fc.integer({ min: 1, max: 255 }), { minLength: 1, maxLength: 30 });

    it("unique ids in range raise no id problem", () => {
        fc.assert(
            fc.property(idsArb, (ids) => {
                const members = ids.map((id, i) => member({ stack: `s${i}`, id, block: i + 10 }));
                assert.deepEqual(validateMesh(members).problems.filter((p) => p.key === "clustermesh:cluster.id"), []);
            }),
            { numRuns: 50 },
        );
    });

    it("a duplicated id is reported once, with a free id as the fix", () => {
        fc.assert(
            fc.property(idsArb, fc.nat(), (ids, pick) => {
                const members = ids.map((id, i) => ({ ...member({ stack: `s${i}`, id, block: i + 10 }), seniority: i }));
                const copied = ids[pick % ids.length];
                members.push({ ...member({ stack: "dup", id: copied, block: ids.length + 10 }), seniority: ids.length });
                const problems = validateMesh(members).problems.filter((p) => p.key === "clustermesh:cluster.id");
                assert.equal(problems.length, 1);
                assert.equal(problems[0].file, "Pulumi.dup.yaml");
                const suggested = Number(/such as (\d+)$/.exec(problems[0].fix)?.[1]);
                assert.ok(suggested >= 1 && suggested <= 255 && !ids.includes(suggested), `suggested ${suggested}`);
            }),
            { numRuns: 50 },
        );
    });

    it("ids outside the range are always reported", () => {
        fc.assert(
            fc.property(fc.oneof(fc.integer({ min: -5, max: 0 }), fc.integer({ min: 256, max: 2000 })), (id) => {
                const problems = validateMesh([member({ stack: "x", id, block: 10 })]).problems;
                assert.ok(problems.some((p) => p.key === "clustermesh:cluster.id" && p.value === id));
            }),
            { numRuns: 50 },
        );
    });
});
