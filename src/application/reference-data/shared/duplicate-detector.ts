/**
 * Finds repeated keys (roll identifiers…) in a stream of millions of rows with a few bytes per
 * row: an open-addressing hash table of 64-bit key hashes and line numbers in typed arrays (about
 * 20 bytes per row at most, against 60 to 100 for a Set of strings), growing by doubling.
 *
 * A hash match is only a candidate: two different keys can share a 64-bit hash. The caller
 * confirms candidates by comparing the actual keys (re-reading the first line's key) before
 * reporting a duplicate, so the detector never reports a false one.
 */
export class DuplicateDetector {
  private high: Uint32Array;
  private low: Uint32Array;
  /** Line of the first occurrence; 0 marks an empty slot. */
  private lines: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(expected = 1 << 16) {
    let capacity = 1 << 10;
    while (capacity < expected * 1.5) capacity *= 2;
    this.high = new Uint32Array(capacity);
    this.low = new Uint32Array(capacity);
    this.lines = new Uint32Array(capacity);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.lines.length * 12;
  }

  /**
   * Records `key` first seen at `line` (> 0) and returns 0; or, if a key with the same 64-bit
   * hash was recorded before, returns that earlier line (a candidate duplicate) and records nothing.
   */
  add(key: string, line: number): number {
    if (line <= 0) throw new RangeError('line numbers start at 1');
    const high = hash32(key, 0x811c9dc5, 0x01000193);
    const low = hash32(key, 0x5bd1e995, 0x2c1b3c6d);
    let slot = (low ^ Math.imul(high, 0x9e3779b1)) & this.mask;
    for (;;) {
      const existing = this.lines[slot]!;
      if (existing === 0) break;
      if (this.high[slot] === high && this.low[slot] === low) return existing;
      slot = (slot + 1) & this.mask;
    }
    this.high[slot] = high;
    this.low[slot] = low;
    this.lines[slot] = line;
    this.count++;
    if (this.count * 4 > this.lines.length * 3) this.grow();
    return 0;
  }

  private grow(): void {
    const { high, low, lines } = this;
    const capacity = lines.length * 2;
    this.high = new Uint32Array(capacity);
    this.low = new Uint32Array(capacity);
    this.lines = new Uint32Array(capacity);
    this.mask = capacity - 1;
    for (let i = 0; i < lines.length; i++) {
      if (lines[i] === 0) continue;
      let slot = (low[i]! ^ Math.imul(high[i]!, 0x9e3779b1)) & this.mask;
      while (this.lines[slot] !== 0) slot = (slot + 1) & this.mask;
      this.high[slot] = high[i]!;
      this.low[slot] = low[i]!;
      this.lines[slot] = lines[i]!;
    }
  }
}

/** A 32-bit FNV-1a-style hash over UTF-16 code units (two independent ones make the 64-bit key hash). */
function hash32(text: string, basis: number, multiplier: number): number {
  let hash = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, multiplier) >>> 0;
  }
  // A final avalanche, so that keys differing in their last characters spread over the table.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b) >>> 0;
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35) >>> 0;
  hash ^= hash >>> 16;
  return hash >>> 0;
}
