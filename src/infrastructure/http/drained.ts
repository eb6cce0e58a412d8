import type { ServerResponse } from 'node:http';

/** Resolves when a response that refused a write can take more (or the client went away). */
export function drained(res: ServerResponse): Promise<void> {
  return new Promise((done) => {
    const finish = () => {
      res.off('drain', finish);
      res.off('close', finish);
      done();
    };
    res.on('drain', finish);
    res.on('close', finish);
  });
}
