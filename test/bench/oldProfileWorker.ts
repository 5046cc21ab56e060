// The profile worker as it was before the streaming reader (issue 17): the same protocol as src/profile/profileWorker.ts
// over the frozen copy of the old reader and model (test/unit/profile/oracle), so that the bench can open a profile
// both ways, as the viewer does, side by side ("no step back").
import { parentPort, workerData } from 'worker_threads';
import type { Answers, Query, WorkerInput, WorkerMessage } from '../../src/profile/workerProtocol';
import type { ProfileModel } from '../unit/profile/oracle/model';
import { readProfileModel } from '../unit/profile/oracle/reader';

function send(m: WorkerMessage): void {
  parentPort?.postMessage(m);
}

function compute(model: ProfileModel, q: Query): unknown {
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

async function main(): Promise<void> {
  const input = workerData as WorkerInput;
  if (!('path' in input)) throw new Error('the old worker reads files only');
  const r = await readProfileModel(input.path, {
    onProgress: (bytesRead, totalBytes) => send({ type: 'progress', bytesRead, totalBytes }),
    onPhase: (phase, detail) => send({ type: 'phase', phase, textBytes: detail.textBytes }),
  });
  if (!r.ok) {
    send({ type: 'failed', error: r.error });
    return;
  }
  const { model } = r;
  parentPort?.on('message', (q: Query) => {
    try {
      send({ type: 'answer', id: q.id, value: compute(model, q) as Answers[keyof Answers] });
    } catch (e) {
      send({ type: 'answer', id: q.id, error: e instanceof Error ? e.message : String(e) });
    }
  });
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
  send({ type: 'failed', error: { kind: 'io', message: e instanceof Error ? e.message : String(e) } }),
);
