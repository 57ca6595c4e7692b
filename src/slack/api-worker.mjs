// The Slack API thread (see api-thread.ts): runs the main thread's Web API calls with its own
// WebClient and answers each with the result or the error's fields. Plain JavaScript, so the thread
// starts without a bundler or a loader. `stop` waits for the calls in flight.
import { parentPort, workerData } from 'node:worker_threads';
import { WebClient } from '@slack/web-api';

/** A WebClient error's fields (code, data, retryAfter, statusCode, …), which a thread boundary would otherwise drop. */
export function serializeError(error) {
  if (!(error instanceof Error)) return { message: String(error) };
  const fields = { message: error.message };
  for (const [key, value] of Object.entries(error)) {
    if (value instanceof Error) fields[key] = { name: value.name, message: value.message };
    else if (typeof value !== 'function') fields[key] = value;
  }
  return fields;
}

if (parentPort && workerData?.token !== undefined) {
  const port = parentPort;
  const client = new WebClient(workerData.token, { ...workerData.options, logLevel: workerData.logLevel });
  const inFlight = new Set();
  port.on('message', (m) => {
    if (m.kind === 'stop') {
      void Promise.allSettled([...inFlight]).then(() => port.close());
      return;
    }
    const work = client.apiCall(m.method, m.args).then(
      (result) => port.postMessage({ id: m.id, result }),
      (error) => port.postMessage({ id: m.id, error: serializeError(error) }),
    );
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });
  port.postMessage({ kind: 'ready' });
}
