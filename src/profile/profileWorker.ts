// Worker-thread entry (bundled as dist/profileWorker.js): reads, parses and aggregates one profile off the
// extension host's thread — a big profile takes seconds to read, and nothing should interrupt the editor meanwhile —
// then keeps the model and answers the viewer's questions about it. Stopping the worker is the way to cancel; its
// heap is capped at the memory budget (offThread.ts), a backstop behind the reader's own accounting.
import { parentPort, workerData } from 'worker_threads';
import type { ProfileModel } from './model';
import { readProfileModel, readProfileModelFromBytes, type ReadOptions } from './reader';
import type { Answers, Query, WorkerInput, WorkerMessage } from './workerProtocol';

function send(m: WorkerMessage): void {
  parentPort?.postMessage(m);
}

function compute(model: ProfileModel, q: Query): Answers[keyof Answers] {
  switch (q.method) {
    case 'summarizeSelection':
      return model.summarizeSelection(q.opts);
    case 'functionDetails':
      return model.functionDetails(q.func, q.opts) ?? null;
    case 'threadStats':
      return model.threadStats(q.selection);
    case 'operators':
      return model.operatorTable(q.query);
    case 'operatorDetails':
      return model.operatorDetails(q.nodeId, q.selection) ?? null;
    case 'timeline':
      return model.timeline(q.query);
  }
}

function answer(model: ProfileModel, q: Query): WorkerMessage {
  try {
    return { type: 'answer', id: q.id, value: compute(model, q) };
  } catch (e) {
    return { type: 'answer', id: q.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
}

async function main(): Promise<void> {
  const input = workerData as WorkerInput;
  const opts: ReadOptions = {
    maxTextBytes: input.maxTextBytes,
    memoryBudget: input.memoryBudget,
    onProgress: (bytesRead, totalBytes) => send({ type: 'progress', bytesRead, totalBytes }),
    onPhase: (phase, detail) => send({ type: 'phase', phase, textBytes: detail.textBytes }),
  };
  const r =
    'path' in input ? await readProfileModel(input.path, opts) : await readProfileModelFromBytes(input.bytes, opts);
  if (!r.ok) {
    send({ type: 'failed', error: r.error });
    return;
  }
  const { model } = r;
  parentPort?.on('message', (q: Query) => send(answer(model, q)));
  send({
    type: 'ready',
    meta: model.meta,
    threads: model.threads,
    feldera: model.feldera,
    functionCount: model.functionCount,
    callNodeCount: model.callNodeCount,
  });
}

void main().catch((e: unknown) =>
  send({
    type: 'failed',
    error: { kind: 'io', message: `Reading the profile failed: ${e instanceof Error ? e.message : String(e)}` },
  }),
);
