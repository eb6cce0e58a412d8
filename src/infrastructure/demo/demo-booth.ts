import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createBallot, type PlaintextBallot } from '../../domain/belenios/booth.js';
import { parseElection, type Election } from '../../domain/belenios/election.js';
import { nodeBeleniosCrypto } from '../crypto/node-belenios-crypto.js';

export interface BoothRequest {
  id: number;
  accessCode: string;
  choices: PlaintextBallot;
}

export type BoothAnswer = { id: number; text: string; trackingNumber: string } | { id: number; error: string };

export interface BuiltBallot {
  text: string;
  trackingNumber: string;
}

/**
 * The simulated voters' booths: Belenios ballots built with the published election and each
 * voter's access code (encryption, proofs, signature), as a browser would. On worker threads
 * when the machine has a core to spare (the server verifies ballots on the main thread), in
 * this thread otherwise or when the compiled worker is not there (running from the sources).
 */
export class DemoBooths {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { resolve: (ballot: BuiltBallot) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  private failure: Error | null = null;
  private local: Promise<Election> | null = null;
  private readonly crypto = nodeBeleniosCrypto();

  static start(electionJson: string, threads = Math.min(2, availableParallelism() - 1)): DemoBooths {
    const booths = new DemoBooths();
    const script = fileURLToPath(new URL('./demo-booth-worker.js', import.meta.url));
    if (threads < 1 || !existsSync(script)) {
      booths.local = parseElection(electionJson, booths.crypto.sha256);
      return booths;
    }
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(script, { workerData: { electionJson } });
      worker.on('message', (answer: BoothAnswer) => {
        const waiting = booths.pending.get(answer.id);
        if (!waiting) return;
        booths.pending.delete(answer.id);
        if ('error' in answer) waiting.reject(new Error(`the booth refused: ${answer.error}`));
        else waiting.resolve({ text: answer.text, trackingNumber: answer.trackingNumber });
      });
      const fail = (error: Error) => {
        booths.failure ??= error;
        for (const waiting of booths.pending.values()) waiting.reject(error);
        booths.pending.clear();
      };
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`a booth thread stopped (exit code ${code})`)));
      worker.unref();
      booths.workers.push(worker);
    }
    return booths;
  }

  get threads(): number {
    return this.workers.length;
  }

  /** One ballot: `choices` as belenios-tool's plaintext ballots ([blank, answer 1, …] per question). */
  build(accessCode: string, choices: PlaintextBallot): Promise<BuiltBallot> {
    if (this.local) {
      const local = this.local;
      return (async () => {
        const ballot = await createBallot(await local, accessCode, choices, this.crypto);
        return { text: ballot.text, trackingNumber: ballot.trackingNumber };
      })();
    }
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const worker = this.workers[id % this.workers.length]!;
    return new Promise<BuiltBallot>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, accessCode, choices } satisfies BoothRequest);
    });
  }

  async stop(): Promise<void> {
    this.failure ??= new Error('the booths are closed');
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
