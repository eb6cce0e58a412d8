import { describe, expect, it } from '@jest/globals';
import { createLogger } from '../../src/infrastructure/logging/create-logger.js';
import { NestPinoLogger } from '../../src/infrastructure/logging/nest-logger.js';
import { isSecretKey, REDACTED, redactSecrets } from '../../src/infrastructure/logging/redact.js';

function capture(level: 'info' | 'debug' | 'trace' = 'trace') {
  const lines: string[] = [];
  const logger = createLogger({ logLevel: level }, { write: (line: string) => void lines.push(line) });
  return { logger, lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('the logger', () => {
  it('writes one JSON object per line with level, time, msg and context', () => {
    const { logger, lines, records } = capture('info');
    logger.child({ context: 'Ballots' }).info({ stream: 'ballot-1' }, 'ballot accepted');
    logger.debug('hidden below the level');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    expect(records()[0]).toMatchObject({ level: 'info', context: 'Ballots', stream: 'ballot-1', msg: 'ballot accepted' });
    expect(new Date(records()[0]!.time as string).toISOString()).toBe(records()[0]!.time);
  });

  it('redacts secret-looking keys at any depth, in objects, arrays and child bindings', () => {
    const { logger, lines, records } = capture();
    const voter = { email: 'a@example.org', accessCode: 'ABCD-1234', nested: [{ deeper: { password: 'hunter2', privateKey: 'k', Authorization: 'Bearer x' } }] };
    logger.child({ context: 'Support', apiToken: 't0ken' }).info({ voter, credential: 'cr3d-value', refresh_token: 'r', code: '123456', statusCode: 200 }, 'resent');
    const text = lines.join('');
    for (const secret of ['ABCD-1234', 'hunter2', 'Bearer x', 't0ken', 'cr3d-value', '123456']) expect(text).not.toContain(secret);
    expect(records()[0]).toMatchObject({
      context: 'Support',
      apiToken: REDACTED,
      credential: REDACTED,
      refresh_token: REDACTED,
      code: REDACTED,
      statusCode: 200,
      voter: { email: 'a@example.org', accessCode: REDACTED, nested: [{ deeper: { password: REDACTED, privateKey: REDACTED, Authorization: REDACTED } }] },
    });
    // The caller's objects are not modified.
    expect(voter.accessCode).toBe('ABCD-1234');
  });

  it('serialises errors, keeping their error code but redacting their secrets', () => {
    const { logger, records } = capture();
    const error = Object.assign(new Error('boom'), { code: 'ECONNREFUSED', token: 'abc' });
    logger.error({ err: error }, 'failed');
    expect(records()[0]).toMatchObject({ msg: 'failed', err: { type: 'Error', message: 'boom', code: 'ECONNREFUSED', token: REDACTED } });
    expect((records()[0]!.err as { stack: string }).stack).toContain('boom');
  });

  it('handles cycles and leaves clean objects untouched', () => {
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    expect(redactSecrets(cyclic)).toBe(cyclic);
    const clean = { a: { b: [1, 2, { c: 'd' }] } };
    expect(redactSecrets(clean)).toBe(clean);
    expect(isSecretKey('authenticationCode')).toBe(true);
    expect(isSecretKey('exitCode')).toBe(false);
    expect(isSecretKey('electionId')).toBe(false);
  });
});

describe('the Nest logger adapter', () => {
  it('maps Nest calls to JSON lines with the context', () => {
    const { logger, records } = capture();
    const nest = new NestPinoLogger(logger);
    nest.log('Nest application successfully started', 'NestApplication');
    nest.log('AppModule dependencies initialized', 'InstanceLoader');
    nest.warn('careful', 'Scanner');
    nest.error('exploded', 'Error: exploded\n    at somewhere (file.js:1:1)', 'ExceptionsHandler');
    nest.error('no context', 'Error: x\n    at y (z.js:1:1)');
    nest.verbose('very detailed', 'Scanner');
    nest.log({ some: 'object', password: 'p' }, 'Ctx');
    expect(records()).toEqual([
      expect.objectContaining({ level: 'info', context: 'NestApplication', msg: 'Nest application successfully started' }),
      expect.objectContaining({ level: 'debug', context: 'InstanceLoader' }),
      expect.objectContaining({ level: 'warn', context: 'Scanner', msg: 'careful' }),
      expect.objectContaining({ level: 'error', context: 'ExceptionsHandler', msg: 'exploded', stack: expect.stringContaining('at somewhere') }),
      expect.objectContaining({ level: 'error', context: 'Nest', msg: 'no context', stack: expect.stringContaining('at y') }),
      expect.objectContaining({ level: 'trace', context: 'Scanner', msg: 'very detailed' }),
      expect.objectContaining({ level: 'info', context: 'Ctx', some: 'object', password: REDACTED }),
    ]);
  });
});
