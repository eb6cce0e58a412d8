import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import {
  canonicalJson,
  checkSeal,
  eventDigestText,
  GENESIS_CHAIN_HASH,
  LedgerChain,
  LedgerVerifier,
  sealSigningBytes,
  type ChainedEvent,
  type SealBody,
} from '../../src/domain/ledger/index.js';
import { nodeSha256, nodeVerifyEd25519, SealingKey } from '../../src/infrastructure/ledger-seal/ledger-crypto.js';

const event = (position: number, overrides: Partial<ChainedEvent> = {}): ChainedEvent => ({
  position: BigInt(position),
  stream: `sample-${position % 3}`,
  revision: BigInt(Math.floor((position - 1) / 3)),
  id: `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`,
  type: 'SampleTaken',
  data: { n: position, text: 'é', nested: { b: [1, { z: 1, a: 2 }], a: null } },
  metadata: { correlationId: 'c', schemaVersion: 1, occurredAt: '2026-01-01T00:00:00.000Z' },
  ...overrides,
});

describe('canonical JSON (RFC 8785 for our JSON)', () => {
  it('sorts keys recursively, keeps array order, no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { y: 1, x: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"x":2,"y":1}]},"b":1}');
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson({ a: 2, b: 1 }));
  });

  it('writes Unicode as UTF-8 (not escaped), escapes control characters, orders keys by UTF-16 code units', () => {
    expect(canonicalJson({ 'é': 'Zoé 🗳️', '\u0001': '"\\\n' })).toBe('{"\\u0001":"\\"\\\\\\n","é":"Zoé 🗳️"}');
    // U+FF5E (BMP, high) sorts after U+1F600 (astral: surrogate D83D) in UTF-16 order, as RFC 8785 says.
    expect(Object.keys(JSON.parse(canonicalJson({ '\uff5e': 1, '😀': 2 })))).toEqual(['😀', '\uff5e']);
  });

  it('numbers in ECMAScript form; -0 is 0; undefined members left out; refuses NaN and bigint', () => {
    expect(canonicalJson([1e21, 0.1, -0, 1.5e-7, 100])).toBe('[1e+21,0.1,0,1.5e-7,100]');
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(() => canonicalJson(Number.NaN)).toThrow();
    expect(() => canonicalJson(1n)).toThrow();
  });
});

describe('the chain', () => {
  it('is a pure function of the events (not of key order), from 32 zero bytes', () => {
    const a = new LedgerChain(nodeSha256);
    const b = new LedgerChain(nodeSha256);
    for (let p = 1; p <= 5; p++) {
      a.append(event(p));
      const e = event(p);
      b.append({ ...e, data: JSON.parse(canonicalJson(e.data)) as unknown, metadata: { occurredAt: '2026-01-01T00:00:00.000Z', schemaVersion: 1, correlationId: 'c' } });
    }
    expect(a.state).toEqual(b.state);
    expect(a.state.eventCount).toBe(5);
    // Recomputed by hand: chain_1 = SHA-256(0^32 || SHA-256(canonical(event 1))).
    const digest = createHash('sha256').update(eventDigestText(event(1)), 'utf8').digest();
    const chain1 = createHash('sha256').update(Buffer.concat([Buffer.from(GENESIS_CHAIN_HASH, 'hex'), digest])).digest('hex');
    const one = new LedgerChain(nodeSha256);
    one.append(event(1));
    expect(one.state.chainHash).toBe(chain1);
  });

  it('resumes from a saved state to the same hash', () => {
    const full = new LedgerChain(nodeSha256);
    for (let p = 1; p <= 10; p++) full.append(event(p));
    const first = new LedgerChain(nodeSha256);
    for (let p = 1; p <= 4; p++) first.append(event(p));
    const resumed = new LedgerChain(nodeSha256, first.state);
    for (let p = 5; p <= 10; p++) resumed.append(event(p));
    expect(resumed.state).toEqual(full.state);
  });

  it('covers position, stream, revision, id, type, data and metadata, each', () => {
    const base = new LedgerChain(nodeSha256);
    base.append(event(1));
    const changes: Partial<ChainedEvent>[] = [
      { position: 2n },
      { stream: 'sample-9' },
      { revision: 7n },
      { id: '00000000-0000-4000-8000-000000000099' },
      { type: 'SampleLost' },
      { data: { ...(event(1).data as object), n: 2 } },
      { metadata: { correlationId: 'd', schemaVersion: 1, occurredAt: '2026-01-01T00:00:00.000Z' } },
    ];
    for (const change of changes) {
      const other = new LedgerChain(nodeSha256);
      other.append(event(1, change));
      expect(other.state.chainHash).not.toBe(base.state.chainHash);
    }
  });
});

describe('seals', () => {
  const body = (key: SealingKey): SealBody => ({
    position: '10',
    chainHash: 'ab'.repeat(32),
    eventCount: 10,
    reason: 'interval',
    at: '2026-11-25T00:00:00.000Z',
    algorithm: 'Ed25519',
    keyId: key.keyId,
    checkpoints: [{ position: '5', chainHash: 'cd'.repeat(32), eventCount: 5 }],
  });

  it('a signature verifies with the key, and not with another one, nor once anything signed changes', () => {
    const key = SealingKey.generate();
    const other = SealingKey.generate();
    const seal = { ...body(key), signature: key.sign(sealSigningBytes(body(key))) };
    expect(checkSeal(seal, key.trusted, nodeVerifyEd25519)).toEqual({ ok: true });
    expect(checkSeal(seal, { ...other.trusted, keyId: key.keyId }, nodeVerifyEd25519)).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(checkSeal(seal, other.trusted, nodeVerifyEd25519)).toMatchObject({ ok: false, reason: 'other-key' });
    for (const change of [{ position: '11' }, { chainHash: 'ac'.repeat(32) }, { eventCount: 9 }, { at: '2026-11-25T00:00:00.001Z' }, { checkpoints: [] }, { reason: 'phase-change' as const }])
      expect(checkSeal({ ...seal, ...change }, key.trusted, nodeVerifyEd25519)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });
});

describe('the verifier (pure)', () => {
  const chainOf = (events: ChainedEvent[]) => {
    const chain = new LedgerChain(nodeSha256);
    const states = events.map((e) => (chain.append(e), chain.state));
    return states;
  };

  it('bounds a change between the last matching and the first failing anchor, and names a revision gap', () => {
    const events = Array.from({ length: 30 }, (_, i) => event(i + 1));
    const states = chainOf(events);
    const anchor = (n: number, source: string) => ({ position: BigInt(n), chainHash: states[n - 1]!.chainHash, eventCount: n, source });
    const tampered = events.filter((e) => e.position !== 17n);
    const verifier = new LedgerVerifier({ sha256: nodeSha256, target: anchor(30, 'your seal'), anchors: [anchor(10, 'a'), anchor(15, 'b'), anchor(20, 'c')], contiguousPositions: true });
    for (const e of tampered) verifier.feed(e);
    const report = verifier.finish();
    expect(report.ok).toBe(false);
    expect(report.divergence).toMatchObject({ after: { position: '15', source: 'b' }, atOrBefore: { position: '20', source: 'c', matches: false } });
    expect(report.divergence!.suspect).toMatchObject({ position: '18' });
    expect(report.anomalies.map((a) => a.kind)).toEqual(expect.arrayContaining(['position-gap', 'revision-gap']));
    expect(report.target).toMatchObject({ matches: false, actual: { eventCount: 29 } });
  });

  it('accepts an untouched ledger, from the start and from a seal', () => {
    const events = Array.from({ length: 12 }, (_, i) => event(i + 1));
    const states = chainOf(events);
    const full = new LedgerVerifier({ sha256: nodeSha256, target: { position: 12n, chainHash: states[11]!.chainHash, eventCount: 12, source: 'your seal' } });
    for (const e of events) full.feed(e);
    expect(full.finish()).toMatchObject({ ok: true, anchorsChecked: 1, anchorsMatched: 1 });
    const since = new LedgerVerifier({ sha256: nodeSha256, start: states[4]!, target: { position: 12n, chainHash: states[11]!.chainHash, eventCount: 12, source: 'your seal' } });
    for (const e of events.slice(5)) since.feed(e);
    expect(since.finish()).toMatchObject({ ok: true, eventsRead: 7 });
  });
});
