import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/infrastructure/config/app-config.js';
import { createLogger } from '../../src/infrastructure/logging/create-logger.js';
import { startServer, type RunningServer } from '../../src/main.js';

/** Six failed sign-ins, for six different user names, each claiming a different client address. */
async function failedSignInsFromSixAddresses(server: RunningServer): Promise<string[]> {
  const codes: string[] = [];
  for (let i = 1; i <= 6; i++) {
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': `203.0.113.${i}` },
      body: JSON.stringify({ query: 'mutation($input: SignInInput!) { signIn(input: $input) { token } }', variables: { input: { username: `nobody${i}`, password: 'wrong-password' } } }),
    });
    const body = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
    codes.push(body.errors?.[0]?.extensions?.code ?? 'none');
  }
  return codes;
}

describe('the client address behind a proxy (URNE_TRUST_PROXY)', () => {
  let server: RunningServer | undefined;
  let dataDir: string;
  afterEach(async () => {
    await server?.app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async (env: Record<string, string>) => {
    dataDir = mkdtempSync(join(tmpdir(), 'urne-proxy-'));
    const config = loadConfig({ URNE_DATA_DIR: dataDir, URNE_PORT: '0', ...env });
    server = await startServer(config, { logger: createLogger(config, { write: () => undefined }) });
    return server;
  };

  it('by default ignores X-Forwarded-For: every attempt counts against the one socket address', async () => {
    const codes = await failedSignInsFromSixAddresses(await start({}));
    expect(codes.slice(0, 5).every((code) => code !== 'RATE_LIMITED')).toBe(true);
    expect(codes[5]).toBe('RATE_LIMITED');
  });

  it('trusting the local proxy, each forwarded address has its own limit', async () => {
    const codes = await failedSignInsFromSixAddresses(await start({ URNE_TRUST_PROXY: 'loopback' }));
    expect(codes).not.toContain('RATE_LIMITED');
  });
});
