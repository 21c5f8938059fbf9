// Worker thread for io/spec-file.ts: parse a big YAML text into plain data. Its garbage (the YAML
// Document of a 2200-service SLA is tens of MB) goes away with the thread instead of staying in
// the main process's heap. Plain JavaScript: it runs without the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import { parseDocument } from 'yaml';

let reply;
try {
  const doc = parseDocument(workerData.text, { prettyErrors: false, uniqueKeys: true });
  // a text with problems is parsed again by the caller, which reports them with positions
  reply = doc.errors.length ? { ok: false } : { ok: true, data: doc.toJS({ maxAliasCount: 100 }) };
} catch {
  reply = { ok: false };
}
parentPort.postMessage(reply);
