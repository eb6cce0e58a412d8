import { parentPort, workerData } from 'node:worker_threads';
import { createBallot } from '../../domain/belenios/booth.js';
import { parseElection } from '../../domain/belenios/election.js';
import { nodeBeleniosCrypto } from '../crypto/node-belenios-crypto.js';
import type { BoothRequest, BoothAnswer } from './demo-booth.js';

/** The demo's voting booths on a thread of their own: the server verifies ballots while this one builds them. */
const crypto = nodeBeleniosCrypto();
const election = parseElection((workerData as { electionJson: string }).electionJson, crypto.sha256);
const port = parentPort!;
port.on('message', (request: BoothRequest) => {
  void (async () => {
    let answer: BoothAnswer;
    try {
      const ballot = await createBallot(await election, request.accessCode, request.choices, crypto);
      answer = { id: request.id, text: ballot.text, trackingNumber: ballot.trackingNumber };
    } catch (error) {
      answer = { id: request.id, error: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(answer);
  })();
});
