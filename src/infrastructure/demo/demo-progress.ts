/** Progress of the demo on stderr: one line per step, and counts with their rate at most once a second. */
export class DemoProgress {
  private stepStarted = Date.now();
  private lastPrinted = 0;
  private index = 0;

  constructor(private readonly write: (line: string) => void = (line) => void process.stderr.write(line)) {}

  step(label: string): void {
    this.index += 1;
    this.stepStarted = Date.now();
    this.lastPrinted = Date.now();
    this.write(`[demo] ${this.index}. ${label}…\n`);
  }

  count(what: string, done: number, total?: number): void {
    const now = Date.now();
    if (now - this.lastPrinted < 1000 && done !== total) return;
    this.lastPrinted = now;
    const rate = done / Math.max((now - this.stepStarted) / 1000, 0.001);
    this.write(`[demo]    ${done.toLocaleString('en')}${total ? ` / ${total.toLocaleString('en')}` : ''} ${what} (${Math.round(rate).toLocaleString('en')}/s)\n`);
  }

  note(text: string): void {
    this.write(`[demo] note: ${text}\n`);
  }

  done(label: string, ms: number): void {
    this.write(`[demo]    done in ${(ms / 1000).toFixed(1)} s: ${label}\n`);
  }
}
