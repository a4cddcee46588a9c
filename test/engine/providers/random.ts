/**
 * Stand-in `random` provider for the engine tests (pulumi-random/provider/v4 is not served by the
 * Go module proxy here). RandomPassword as the upstream resource documents it
 * (hashicorp/terraform-provider-random `random_password`): the character classes, the minimums,
 * `overrideSpecial`; every input change replaces it (all its arguments are ForceNew upstream).
 */
import * as crypto from "node:crypto";
import { type Failure, type ResourceType, UNKNOWN } from "./server";

// terraform-provider-random internal/random/string.go: the default special set.
const DEFAULT_SPECIAL = "!@#$%&*()-_=+[]{}<>:?";
const CLASSES = { lower: "abcdefghijklmnopqrstuvwxyz", upper: "ABCDEFGHIJKLMNOPQRSTUVWXYZ", numeric: "0123456789" } as const;
const INPUTS = ["length", "special", "upper", "lower", "numeric", "number", "minSpecial", "minUpper", "minLower", "minNumeric", "overrideSpecial", "keepers"];

function pick(set: string): string {
    return set[crypto.randomInt(set.length)] ?? "";
}

const randomPassword: ResourceType = {
    replaceOnChanges: INPUTS,
    check(news) {
        const failures: Failure[] = [];
        const length = Number(news.length);
        if (!Number.isInteger(length) || length < 1) failures.push({ property: "length", reason: `length must be at least 1, got ${JSON.stringify(news.length)}` });
        const mins = ["minSpecial", "minUpper", "minLower", "minNumeric"].reduce((sum, k) => sum + Number(news[k] ?? 0), 0);
        if (mins > length) failures.push({ property: "length", reason: `length ${length} is less than the sum of the minimums (${mins})` });
        return failures;
    },
    create(inputs, ctx) {
        if (ctx.preview) return { id: "", outs: { ...inputs, result: UNKNOWN } };
        const on = (k: string) => inputs[k] !== false;
        const special = typeof inputs.overrideSpecial === "string" ? inputs.overrideSpecial : DEFAULT_SPECIAL;
        const sets: Array<[string, number]> = [];
        if (on("lower")) sets.push([CLASSES.lower, Number(inputs.minLower ?? 0)]);
        if (on("upper")) sets.push([CLASSES.upper, Number(inputs.minUpper ?? 0)]);
        if (on("numeric") && inputs.number !== false) sets.push([CLASSES.numeric, Number(inputs.minNumeric ?? 0)]);
        if (on("special")) sets.push([special, Number(inputs.minSpecial ?? 0)]);
        const all = sets.map(([s]) => s).join("");
        const chars: string[] = [];
        for (const [set, min] of sets) for (let i = 0; i < min; i++) chars.push(pick(set));
        while (chars.length < Number(inputs.length)) chars.push(pick(all));
        for (let i = chars.length - 1; i > 0; i--) {
            const j = crypto.randomInt(i + 1);
            [chars[i], chars[j]] = [chars[j] ?? "", chars[i] ?? ""];
        }
        return { id: "none", outs: { ...inputs, result: chars.join("") } };
    },
};

export const randomResources: Record<string, ResourceType> = {
    "random:index/randomPassword:RandomPassword": randomPassword,
};
