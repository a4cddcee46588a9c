/**
 * EC2 instance types as the program needs to know them: the shape of a name and its CPU
 * architecture. Both the k3s VMs (an Ubuntu amd64 image) and the EKS node group (an AL2023 AMI
 * per architecture) decide from the one function here, and validation refuses what the k3s
 * image cannot run before anything is built. Neutral: imports nothing.
 */

/** An instance type name: family and size, e.g. `t3.medium`, `m7gd.xlarge`, `u7i-12tb.224xlarge`. */
export const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;

/**
 * Arm (Graviton) instance types: `a1`, and families whose generation digit is followed by a `g`
 * (`t4g`, `m7gd`, `c6gn`, `im4gn`, `is4gen`, `hpc7g`, `g5g`), per the EC2 instance type naming
 * conventions (the `g` attribute: AWS Graviton processors). `g4dn` and `g5` are x86 GPU types.
 */
export function isArmInstanceType(instanceType: string): boolean {
    return /^(a1|[a-z]+\d+g[a-z]*)\./.test(instanceType);
}
