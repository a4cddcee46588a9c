import * as pulumi from "@pulumi/pulumi";

/**
 * How every component reports bad arguments: all problems at once, in one `ResourceError`
 * naming the component. Call it before `super`, so refused arguments register nothing (no
 * half-built component); the error is attributed to the component's parent, when it has one.
 */
export function failOnProblems(label: string, problems: readonly string[], opts?: pulumi.ComponentResourceOptions): void {
    if (problems.length > 0) {
        throw new pulumi.ResourceError(`${label}: ${problems.join("; ")}`, opts?.parent);
    }
}
