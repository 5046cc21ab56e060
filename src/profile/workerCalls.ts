// Questions to a worker thread and their answers, matched by id: the bookkeeping shared by the profile viewer's
// worker (./offThread.ts) and the comparison's session worker (./compareOffThread.ts).

/** An answer as a worker sends it: the question's id, and its value or an error message. */
export interface WorkerAnswer {
  id: number;
  value?: unknown;
  error?: string;
}

/** `Body`: what a question holds besides its id. */
export class WorkerCalls<Body extends object> {
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private gone: Error | undefined;

  /** `post` sends a question (the body with its id) to the worker. */
  constructor(private readonly post: (question: Body & { id: number }) => void) {}

  /** Sends `body` with a fresh id; settles with the worker's answer, or rejects once the worker is gone. */
  ask<T>(body: Body): Promise<T> {
    if (this.gone) return Promise.reject(this.gone);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.post({ ...body, id });
    });
  }

  /** Settles the question `m` answers. */
  answer(m: WorkerAnswer): void {
    const p = this.pending.get(m.id);
    this.pending.delete(m.id);
    if (m.error !== undefined) p?.reject(new Error(m.error));
    else p?.resolve(m.value);
  }

  /** The worker is gone: every open question and every later one rejects with `why` (the first reason given). */
  stop(why: Error): void {
    this.gone ??= why;
    for (const p of this.pending.values()) p.reject(this.gone);
    this.pending.clear();
  }
}
