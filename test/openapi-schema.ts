/**
 * Test support: a small validator for Kubernetes structural schemas (the hand-written
 * schema of kind's v1alpha4 Cluster in test/kind/). It checks what the API server
 * checks on the fields the program writes: types (integer formats included), required fields,
 * unknown fields (what a strict field validation rejects and the server would silently prune),
 * enums, patterns, string, number and list bounds, and `format: cidr`. CEL rules
 * (`x-kubernetes-validations`) are not evaluated.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { parseCidr } from "../lib/cidr";

export interface StructuralSchema {
    type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
    properties?: Record<string, StructuralSchema>;
    additionalProperties?: StructuralSchema | boolean;
    items?: StructuralSchema;
    required?: string[];
    enum?: unknown[];
    pattern?: string;
    format?: string;
    minimum?: number;
    maximum?: number;
    minLength?: number;
    maxLength?: number;
    minItems?: number;
    maxItems?: number;
    "x-kubernetes-preserve-unknown-fields"?: boolean;
    "x-kubernetes-int-or-string"?: boolean;
}

const INT_BOUNDS: Record<string, [number, number]> = { int32: [-2147483648, 2147483647], int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] };

/** Every violation of `schema` by `value`, each as `<path>: <what is wrong>`; empty when valid. */
export function validateStructural(schema: StructuralSchema, value: unknown, at = ""): string[] {
    const where = at === "" ? "(root)" : at;
    if (value === undefined || value === null) {
        return [`${where}: is ${String(value)}`];
    }
    if (schema["x-kubernetes-int-or-string"]) {
        return typeof value === "string" || Number.isInteger(value) ? [] : [`${where}: must be an integer or a string`];
    }
    const errors: string[] = [];
    switch (schema.type) {
        case "object": {
            if (typeof value !== "object" || Array.isArray(value)) {
                return [`${where}: must be an object, not ${JSON.stringify(value)}`];
            }
            const object = value as Record<string, unknown>;
            for (const key of schema.required ?? []) {
                if (!(key in object)) {
                    errors.push(`${where}: misses the required field ${key}`);
                }
            }
            for (const [key, child] of Object.entries(object)) {
                const property = schema.properties?.[key];
                const childPath = at === "" ? key : `${at}.${key}`;
                if (property) {
                    errors.push(...validateStructural(property, child, childPath));
                } else if (typeof schema.additionalProperties === "object") {
                    errors.push(...validateStructural(schema.additionalProperties, child, childPath));
                } else if (!(schema.additionalProperties === true || schema["x-kubernetes-preserve-unknown-fields"] || schema.properties === undefined)) {
                    errors.push(`${childPath}: is not a field of the schema (known: ${Object.keys(schema.properties ?? {}).join(", ")})`);
                }
            }
            break;
        }
        case "array": {
            if (!Array.isArray(value)) {
                return [`${where}: must be a list, not ${JSON.stringify(value)}`];
            }
            if (schema.minItems !== undefined && value.length < schema.minItems) {
                errors.push(`${where}: has ${value.length} items, fewer than ${schema.minItems}`);
            }
            if (schema.maxItems !== undefined && value.length > schema.maxItems) {
                errors.push(`${where}: has ${value.length} items, more than ${schema.maxItems}`);
            }
            value.forEach((item, i) => {
                if (schema.items) {
                    errors.push(...validateStructural(schema.items, item, `${at}[${i}]`));
                }
            });
            break;
        }
        case "string":
            if (typeof value !== "string") {
                return [`${where}: must be a string, not ${JSON.stringify(value)}`];
            }
            if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) {
                errors.push(`${where}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
            }
            if (schema.minLength !== undefined && value.length < schema.minLength) {
                errors.push(`${where}: is shorter than ${schema.minLength}`);
            }
            if (schema.maxLength !== undefined && value.length > schema.maxLength) {
                errors.push(`${where}: is longer than ${schema.maxLength}`);
            }
            if (schema.format === "cidr" && !parseCidr(value)) {
                errors.push(`${where}: ${JSON.stringify(value)} is not a CIDR block`);
            }
            break;
        case "integer":
        case "number": {
            if (typeof value !== "number" || (schema.type === "integer" && !Number.isInteger(value))) {
                return [`${where}: must be ${schema.type === "integer" ? "an integer" : "a number"}, not ${JSON.stringify(value)}`];
            }
            const [low, high] = (schema.format && INT_BOUNDS[schema.format]) || [-Infinity, Infinity];
            if (value < Math.max(low, schema.minimum ?? -Infinity) || value > Math.min(high, schema.maximum ?? Infinity)) {
                errors.push(`${where}: ${value} is outside ${Math.max(low, schema.minimum ?? -Infinity)}..${Math.min(high, schema.maximum ?? Infinity)}`);
            }
            break;
        }
        case "boolean":
            if (typeof value !== "boolean") {
                return [`${where}: must be a boolean, not ${JSON.stringify(value)}`];
            }
            break;
        default:
            break;
    }
    if (schema.enum !== undefined && !schema.enum.includes(value)) {
        errors.push(`${where}: ${JSON.stringify(value)} is not one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`);
    }
    return errors;
}

/** kind's v1alpha4 Cluster schema (test/kind/v1alpha4-cluster.schema.yaml). */
export function kindClusterSchema(): StructuralSchema {
    return parse(fs.readFileSync(path.join(__dirname, "kind", "v1alpha4-cluster.schema.yaml"), "utf8")) as StructuralSchema;
}
