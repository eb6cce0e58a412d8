/**
 * A minimal GraphQL-over-HTTP client for the demo: the real command path (HTTP → guard →
 * resolver → CommandBus), as any client would use it. Errors carry the server's extensions.code.
 */
export class DemoGraphqlError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class DemoGraphqlClient {
  constructor(
    readonly url: string,
    private readonly token?: string,
  ) {}

  withToken(token: string): DemoGraphqlClient {
    return new DemoGraphqlClient(this.url, token);
  }

  async request<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const response = await fetch(this.url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    const text = await response.text();
    let body: { data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new DemoGraphqlError(`HTTP_${response.status}`, `HTTP ${response.status}: ${text.slice(0, 200)}`);
    }
    if (body.errors && body.errors.length > 0) {
      const first = body.errors[0]!;
      throw new DemoGraphqlError(first.extensions?.code ?? 'GRAPHQL_ERROR', first.message);
    }
    if (!body.data) throw new DemoGraphqlError(`HTTP_${response.status}`, `no data in the answer (HTTP ${response.status})`);
    return body.data;
  }
}

/** Runs `work` over `items` with at most `concurrency` in flight; calls `onDone` after each. */
export async function forEachConcurrently<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>, onDone?: (done: number) => void): Promise<void> {
  let next = 0;
  let done = 0;
  let failed = false;
  const worker = async () => {
    while (next < items.length && !failed) {
      const index = next++;
      try {
        await work(items[index]!, index);
      } catch (error) {
        // The first failure stops the others from taking more work.
        failed = true;
        throw error;
      }
      onDone?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
