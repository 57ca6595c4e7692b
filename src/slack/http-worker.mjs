// The HTTP thread (http-thread.ts starts it under `npm start`): it owns the listening socket, reads
// every request, checks the ones to /slack/events (signature, shape) and answers at once those whose
// answer is an empty 200 whatever the app does with them (acksFirst: commands, clicks, events). So the
// acknowledgement Slack waits for never queues behind the app's work in the main thread. Everything
// else (a modal submission, /healthz, /api/…) goes to the main thread, and its answer comes back here.
import { createServer } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { acksFirst, checkSlackRequest, readBody, SLACK_BODY_LIMIT, TOO_LARGE, TooLarge, writeAnswer } from './http-front.mjs';

/** signingSecret is null in Socket Mode, where Slack's requests do not come over HTTP. */
const { port, host, signingSecret } = workerData;
/** Requests waiting for the main thread's answer. */
const waiting = new Map();
let seq = 0;
let closing = false;
let closed = false;
/** Off while the main thread is behind (http-thread.ts HttpThreadLimits): everything then waits for the app's ack. */
let ackFirst = true;

const post = (message) => parentPort.postMessage(message);
const log = (level, message) => post({ kind: 'log', level, message });

const server = createServer(async (req, res) => {
  // Once closing, answers end their connection so shutdown need not wait for keep-alive clients.
  if (closing) res.setHeader('connection', 'close');
  const method = req.method ?? 'GET';
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  let body = Buffer.alloc(0);
  if (method === 'POST') {
    try {
      body = await readBody(req, SLACK_BODY_LIMIT);
    } catch (error) {
      writeAnswer(res, error instanceof TooLarge ? TOO_LARGE : { status: 400 });
      return;
    }
  }
  if (signingSecret !== null && method === 'POST' && path === '/slack/events') {
    const raw = body.toString('utf8');
    const check = checkSlackRequest(signingSecret, raw, req.headers);
    if (check.verdict !== 'ok') {
      log('warn', check.problem);
      writeAnswer(res, { status: check.verdict === 'unsigned' ? 401 : 400 });
      return;
    }
    // Handed over before the answer goes out: whoever sees the 200 can count on the main thread having it queued.
    if (ackFirst && acksFirst(check.body)) {
      post({ kind: 'slack', id: 0, raw: check.raw, headers: req.headers });
      writeAnswer(res, { status: 200 });
      return;
    }
    const id = ++seq;
    waiting.set(id, res);
    post({ kind: 'slack', id, raw: check.raw, headers: req.headers });
    return;
  }
  const id = ++seq;
  waiting.set(id, res);
  post({ kind: 'request', id, method, path, headers: req.headers, body });
});

function closeWhenDone() {
  if (closing && closed && waiting.size === 0) post({ kind: 'closed' });
}

parentPort.on('message', (m) => {
  if (m.kind === 'answer') {
    const res = waiting.get(m.id);
    waiting.delete(m.id);
    if (res && !res.destroyed) writeAnswer(res, m.answer);
    closeWhenDone();
  } else if (m.kind === 'ackFirst') {
    ackFirst = m.on;
  } else if (m.kind === 'sync') {
    post({ kind: 'synced', id: m.id });
  } else if (m.kind === 'close') {
    closing = true;
    // A connection kept alive after its last answer would hold close() open until the client hangs up.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    server.close(() => {
      clearInterval(sweep);
      closed = true;
      closeWhenDone();
    });
    server.closeIdleConnections();
  }
});

server.once('error', (error) => post({ kind: 'failed', message: error.message, code: error.code }));
server.listen(port, host, () => post({ kind: 'listening', port: server.address().port }));
