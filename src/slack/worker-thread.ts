import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { inPackage } from '../paths';

/** Restarts after a thread died (it never should) before its owner gives up on it. */
export const WORKER_RESTARTS = 5;

/**
 * Starts one of the bot's worker threads (`file` from the package root: api-worker.mjs, http-worker.mjs).
 * Each holds little (calls or requests on their way), so small heaps keep the process under 200 MB.
 */
export function startWorkerThread(file: string, workerData: unknown): Worker {
  return new Worker(pathToFileURL(inPackage(file)), { workerData, resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 4 } });
}
