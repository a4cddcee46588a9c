/**
 * A worker thread of `planMesh`: loads Pulumi once, then plans one stack per message until it is
 * terminated. The stack files are read and validated once, when it starts.
 */
import { parentPort, workerData } from "worker_threads";
import { inspectMesh } from "../../stacks";
import { batchMode, errorMessage, type WorkerReply, type WorkerRequest } from "./plan-mesh";
import { planStack } from "./plan-stack";

const { dir } = workerData as { dir: string };
const port = parentPort!;
batchMode();
const inspection = inspectMesh(dir);

port.on("message", ({ stack }: WorkerRequest) => {
    planStack(dir, stack, inspection).then(
        (doc) => port.postMessage({ stack, doc } satisfies WorkerReply),
        (err: unknown) => port.postMessage({ stack, error: errorMessage(err) } satisfies WorkerReply),
    );
});
