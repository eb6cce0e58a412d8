import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface GraphqlError {
  message: string;
  path?: Array<string | number>;
  extensions?: { code?: string; [key: string]: unknown };
}

export interface GraphqlResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: GraphqlError[];
}

/** A GraphQL request over HTTP, as a browser would send it; `token` becomes `Authorization: Bearer`. */
export async function graphql<T = Record<string, unknown>>(
  url: string,
  query: string,
  options: { variables?: Record<string, unknown>; token?: string; authorization?: string } = {},
): Promise<GraphqlResponse<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables: options.variables ?? {} }) });
  return (await response.json()) as GraphqlResponse<T>;
}

export const codesOf = (response: GraphqlResponse<unknown>): Array<string | undefined> => (response.errors ?? []).map((error) => error.extensions?.code);

/** A graphql-ws client for `http(s)://…/graphql`; `token` goes into connectionParams.authorization. */
export function wsClient(graphqlUrl: string, token?: string): Client {
  return createClient({
    url: graphqlUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token === undefined ? {} : { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: true,
  });
}

/**
 * The first message of a subscription, or 'pending' if none came within `waitMs` (an allowed
 * subscription with nothing to say yet). The subscription is then closed.
 */
export async function firstMessage<T = Record<string, unknown>>(client: Client, query: string, variables: Record<string, unknown> = {}, waitMs = 1500): Promise<GraphqlResponse<T> | 'pending'> {
  const iterator = client.iterate<T>({ query, variables });
  let timer: NodeJS.Timeout | undefined;
  try {
    const next = iterator.next().then(
      (result) => (result.done ? ({ errors: [{ message: 'completed without a message' }] } as GraphqlResponse<T>) : (result.value as GraphqlResponse<T>)),
      (error: unknown) => ({ errors: Array.isArray(error) ? (error as GraphqlError[]) : [{ message: String(error) }] }) as GraphqlResponse<T>,
    );
    const pending = new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), waitMs)));
    return await Promise.race([next, pending]);
  } finally {
    clearTimeout(timer);
    await iterator.return?.();
  }
}
