import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/infrastructure/config/app-config.js';
import { createLogger } from '../../src/infrastructure/logging/create-logger.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { codesOf, firstMessage, graphql, wsClient, type GraphqlResponse } from '../support/graphql-client.js';

/**
 * GraphQL hardening over real HTTP: depth, cost and alias limits, request size, batching, and
 * production mode (URNE_ENV=production: no introspection, no stack traces).
 */

const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }';
/** Depth 10 (access-matrix's query): deeper than some business limits, but introspection is exempt up to 20. */
const INTROSPECTION = `{ __schema { queryType { name } types { kind name fields { name args { name type { ${TYPE_REF} } } type { ${TYPE_REF} } } } } }`;

/** Elections with four lists, through a named fragment and an inline fragment: 10 × (1 + 1 + 3×10×(1+4) + 10×(1+3)) = 1920. */
const ELECTIONS_1920 = `elections { id windows { ...W } openWindows { ...W } ... on Election { schedule { date instant localTime utcOffset } sponsorshipRules { sponsorKind minimumSponsors minimumDistinctDistricts } } }`;
const WINDOW_FRAGMENT = 'fragment W on ElectionWindow { activity round opensAt closesAt }';

function withAliases(count: number, selection: string): string {
  return `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${selection}`).join(' ')} }`;
}

async function post(url: string, body: string): Promise<{ status: number; contentType: string | null; text: string }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

function expectNoStackTrace(response: unknown): void {
  const text = JSON.stringify(response);
  expect(text).not.toMatch(/stacktrace/i);
  expect(text).not.toMatch(/\bat .+:\d+:\d+/);
}

describe('GraphQL hardening', () => {
  const dataDirs: string[] = [];
  let development: RunningServer;
  let production: RunningServer;
  const nodeEnv = process.env.NODE_ENV;

  async function start(env: Record<string, string>): Promise<RunningServer> {
    const dataDir = mkdtempSync(join(tmpdir(), 'urne-hardening-'));
    dataDirs.push(dataDir);
    const config = loadConfig({ URNE_DATA_DIR: dataDir, URNE_PORT: '0', URNE_LOG_LEVEL: 'fatal', ...env });
    return startServer(config, { logger: createLogger(config, { write: () => undefined }) });
  }

  beforeAll(async () => {
    // Libraries show stack traces when NODE_ENV is neither production nor test: prove that our
    // settings, not NODE_ENV, decide.
    process.env.NODE_ENV = 'development';
    try {
      development = await start({});
      production = await start({ URNE_ENV: 'production', URNE_GRAPHQL_MAX_DEPTH: '2' });
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
  });

  afterAll(async () => {
    await development?.app.close();
    await production?.app.close();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  describe('depth', () => {
    it('refuses an operation deeper than URNE_GRAPHQL_MAX_DEPTH, through fragments too, before any resolver runs', async () => {
      const direct = await graphql(production.graphqlUrl, '{ health { status } elections { dates { votingOpensAt } } }');
      expect(direct.data).toBeUndefined();
      expect(direct.errors).toEqual([
        expect.objectContaining({ message: 'The operation is 3 levels deep; the limit is 2.', extensions: { code: 'GRAPHQL_DEPTH_LIMIT', figure: 3, limit: 2 } }),
      ]);
      const viaFragments = await graphql(production.graphqlUrl, 'query Deep { elections { ...E } } fragment E on Election { ... on Election { rounds { count } } }');
      expect(viaFragments.errors?.[0]).toMatchObject({ message: 'Operation "Deep" is 3 levels deep; the limit is 2.', extensions: { code: 'GRAPHQL_DEPTH_LIMIT' } });
    });

    it('accepts an operation at the limit', async () => {
      expect(await graphql(production.graphqlUrl, '{ health { status } elections { ...E } } fragment E on Election { id }')).toEqual({ data: { health: { status: 'ok' }, elections: [] } });
    });

    it('holds introspection to its own ceiling of 20 levels', async () => {
      const deep = `{ __type(name: "Query") { ${'ofType { '.repeat(25)}name${' }'.repeat(25)} } }`;
      const response = await graphql(development.graphqlUrl, deep);
      expect(codesOf(response)).toEqual(['GRAPHQL_DEPTH_LIMIT']);
      expect(response.errors?.[0]?.message).toBe('The operation has introspection 27 levels deep; the limit is 20.');
    });
  });

  describe('cost', () => {
    it('refuses an operation costlier than URNE_GRAPHQL_MAX_COST (default 5000), counting lists as 10 and fragments expanded', async () => {
      const response = await graphql(development.graphqlUrl, `${withAliases(3, ELECTIONS_1920)} ${WINDOW_FRAGMENT}`);
      expect(response.data).toBeUndefined();
      expect(response.errors).toEqual([
        expect.objectContaining({ message: 'The operation costs 5760; the limit is 5000.', extensions: { code: 'GRAPHQL_COST_LIMIT', figure: 5760, limit: 5000 } }),
      ]);
    });

    it('accepts one under the limits', async () => {
      const response = await graphql(development.graphqlUrl, `${withAliases(2, ELECTIONS_1920)} ${WINDOW_FRAGMENT}`);
      expect(response).toEqual({ data: { a0: [], a1: [] } });
    });
  });

  describe('aliases', () => {
    it('accepts 30 aliases and refuses 31 (alias-based guessing)', async () => {
      const thirty = await graphql(development.graphqlUrl, withAliases(30, 'health { status }'));
      expect(thirty.errors).toBeUndefined();
      expect(Object.keys(thirty.data ?? {})).toHaveLength(30);
      const thirtyOne = await graphql(development.graphqlUrl, withAliases(31, 'health { status }'));
      expect(thirtyOne.data).toBeUndefined();
      expect(thirtyOne.errors).toEqual([
        expect.objectContaining({ message: 'The operation has 31 aliases; the limit is 30.', extensions: { code: 'GRAPHQL_ALIAS_LIMIT', figure: 31, limit: 30 } }),
      ]);
    });

    it('counts aliases inside fragments each time the fragment is used', async () => {
      const query = `{ ${Array.from({ length: 4 }, (_, i) => `h${i}: health { ...H }`).join(' ')} } fragment H on Health { ${Array.from({ length: 7 }, (_, i) => `s${i}: status`).join(' ')} }`;
      expect(codesOf(await graphql(development.graphqlUrl, query))).toEqual(['GRAPHQL_ALIAS_LIMIT']);
    });
  });

  describe('request size and batching', () => {
    it('answers 413 with a JSON error to a body over 100 kB', async () => {
      const response = await post(development.graphqlUrl, JSON.stringify({ query: `{ health { status } } # ${'x'.repeat(200_000)}` }));
      expect(response.status).toBe(413);
      expect(response.contentType).toMatch(/^application\/json/);
      expect(JSON.parse(response.text)).toEqual({
        errors: [{ message: 'The request body is larger than 102400 bytes.', extensions: { code: 'PAYLOAD_TOO_LARGE', limit: 102400 } }],
      });
    });

    it('still accepts a body just under the limit', async () => {
      const response = await post(development.graphqlUrl, JSON.stringify({ query: `{ health { status } } # ${'x'.repeat(90_000)}` }));
      expect(response.status).toBe(200);
      expect(JSON.parse(response.text)).toEqual({ data: { health: { status: 'ok' } } });
    });

    it('answers malformed JSON with a JSON 400 and no stack trace', async () => {
      const response = await post(development.graphqlUrl, '{"query": ');
      expect(response.status).toBe(400);
      expect(JSON.parse(response.text)).toEqual({ errors: [{ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }] });
      expectNoStackTrace(response.text);
    });

    it('refuses batched operations (one operation per request)', async () => {
      const response = await post(development.graphqlUrl, JSON.stringify([{ query: '{ health { status } }' }, { query: '{ health { status } }' }]));
      expect(response.status).toBe(400);
      expect(response.text).not.toContain('"data"');
      expect(response.text).toMatch(/batching/i);
    });
  });

  describe('production mode (URNE_ENV=production)', () => {
    it('refuses introspection with INTROSPECTION_DISABLED, but still answers __typename', async () => {
      const response = await graphql(production.graphqlUrl, '{ __schema { queryType { name } } }');
      expect(response.data).toBeUndefined();
      expect(codesOf(response)).toEqual(['INTROSPECTION_DISABLED']);
      expect(codesOf(await graphql(production.graphqlUrl, '{ __type(name: "Query") { name } }'))).toEqual(['INTROSPECTION_DISABLED']);
      expect(await graphql(production.graphqlUrl, '{ __typename health { status } }')).toEqual({ data: { __typename: 'Query', health: { status: 'ok' } } });
    });

    it('puts no stack trace in any error response', async () => {
      const responses: GraphqlResponse[] = [
        await graphql(production.graphqlUrl, '{ __schema { types { name } } }'),
        await graphql(production.graphqlUrl, '{ nope }'),
        await graphql(production.graphqlUrl, '{ health { status'),
        await graphql(production.graphqlUrl, '{ staffAccounts { __typename } }'),
        await graphql(production.graphqlUrl, '{ elections { dates { votingOpensAt } } }'),
      ];
      for (const response of responses) {
        expect(response.errors?.length).toBeGreaterThan(0);
        expectNoStackTrace(response);
      }
      const malformed = await post(production.graphqlUrl, '{"query": ');
      expect(malformed.status).toBe(400);
      expectNoStackTrace(malformed.text);
    });

    it('shows no landing page', async () => {
      const response = await fetch(production.graphqlUrl, { headers: { accept: 'text/html' } });
      expect(await response.text()).not.toMatch(/<html/i);
    });
  });

  describe('over graphql-ws', () => {
    it('applies the same limits, and production refuses introspection there too', async () => {
      const dev = wsClient(development.graphqlUrl);
      const prod = wsClient(production.graphqlUrl);
      try {
        const aliases = await firstMessage(dev, withAliases(31, 'health { status }'));
        expect(aliases).not.toBe('pending');
        expect(codesOf(aliases as GraphqlResponse)).toEqual(['GRAPHQL_ALIAS_LIMIT']);
        const deep = await firstMessage(prod, '{ elections { dates { votingOpensAt } } }');
        expect(codesOf(deep as GraphqlResponse)).toEqual(['GRAPHQL_DEPTH_LIMIT']);
        const introspection = await firstMessage(prod, '{ __schema { queryType { name } } }');
        expect(codesOf(introspection as GraphqlResponse)).toEqual(['INTROSPECTION_DISABLED']);
        expect(await firstMessage(dev, '{ __schema { queryType { name } } }')).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
      } finally {
        await dev.dispose();
        await prod.dispose();
      }
    });
  });

  describe('development mode', () => {
    it('answers introspection, deeper than the business depth limit', async () => {
      const response = await graphql<{ __schema: { queryType: { name: string }; types: Array<{ name: string }> } }>(development.graphqlUrl, INTROSPECTION);
      expect(response.errors).toBeUndefined();
      expect(response.data?.__schema.queryType.name).toBe('Query');
      expect(response.data?.__schema.types.map((type) => type.name)).toEqual(expect.arrayContaining(['Query', 'Election', 'Health']));
    });
  });
});
