import { CliError } from '../cli-error.js';

/**
 * A small GraphQL-over-HTTP client for the trustee's commands. Every failure becomes one
 * `CliError` line: server unreachable, not a GraphQL answer, not signed in or session expired,
 * not allowed, and refusals (`extensions.code`) as "message (Code)".
 */
export const DEFAULT_SERVER = 'http://127.0.0.1:4000/graphql';

/** How long one request may take before it is given up. */
const REQUEST_TIMEOUT_MS = 120_000;

export interface GraphqlErrorBody {
  message?: string;
  extensions?: { code?: string; [key: string]: unknown };
}

/** A refusal from the server, with its code: callers may react to a code before it becomes a CliError. */
export class GraphqlRefusal extends CliError {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'GraphqlRefusal';
  }
}

export function checkServerUrl(server: string): URL {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new CliError(`--server must be a URL like ${DEFAULT_SERVER}, got ${JSON.stringify(server)}`, 2);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`--server must be an http:// or https:// URL, got ${JSON.stringify(server)}`, 2);
  return url;
}

export class GraphqlClient {
  /**
   * `unauthenticated`: what to say when the server does not accept the token (the client knows
   * the session it sent; expiry is judged by the server, whose clock is the one that counts).
   */
  constructor(
    readonly server: string,
    private readonly token?: string,
    private readonly unauthenticated?: () => string,
  ) {
    checkServerUrl(server);
  }

  /** The refusal to report when the server does not accept this client's token. */
  sessionRefused(): GraphqlRefusal {
    if (this.token && this.unauthenticated) return new GraphqlRefusal(this.unauthenticated(), 'UNAUTHENTICATED');
    return refusal({ message: 'Sign in first', extensions: { code: 'UNAUTHENTICATED' } }, this.server);
  }

  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await fetch(this.server, { method: 'POST', headers, body: JSON.stringify({ query, variables }), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (error) {
      throw new CliError(`cannot reach the server at ${this.server}: ${networkReason(error)}`);
    }
    const text = await response.text().catch(() => '');
    let body: { data?: T | null; errors?: GraphqlErrorBody[] } | undefined;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = undefined;
    }
    if (!body || typeof body !== 'object') {
      throw new CliError(`the server at ${this.server} did not answer with GraphQL (HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}): is --server the /graphql address of Urne?`);
    }
    const error = body.errors?.[0];
    if (error) {
      if (error.extensions?.code === 'UNAUTHENTICATED' && this.token) throw this.sessionRefused();
      throw refusal(error, this.server);
    }
    if (body.data === undefined || body.data === null) throw new CliError(`the server at ${this.server} answered HTTP ${response.status} without data`);
    return body.data;
  }
}

/** One line for a GraphQL error. */
export function refusal(error: GraphqlErrorBody, server: string): GraphqlRefusal {
  const code = typeof error.extensions?.code === 'string' ? error.extensions.code : undefined;
  const message = (error.message ?? 'unknown error').replace(/\s+/g, ' ').trim();
  switch (code) {
    case 'UNAUTHENTICATED':
      return new GraphqlRefusal(`not signed in, or the session has expired: run "urne trustee sign-in --server ${server} --username <you>"`, code);
    case 'FORBIDDEN':
      return new GraphqlRefusal(`this account may not do that (${message}): trustees sign in with a staff account of role trustee`, code);
    case 'GRAPHQL_VALIDATION_FAILED':
    case 'GRAPHQL_PARSE_FAILED':
      return new GraphqlRefusal(`the server does not offer this operation (${message}): is it a matching version of Urne?`, code);
    case 'RATE_LIMITED':
      return new GraphqlRefusal(`${message} (RATE_LIMITED): wait before trying again`, code);
    default:
      return new GraphqlRefusal(code ? `${message} (${code})` : message, code);
  }
}

function networkReason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused (is the server running?)';
  if (cause?.code === 'ENOTFOUND' || cause?.code === 'EAI_AGAIN') return 'unknown host name';
  if (cause?.code) return cause.code;
  if (cause?.message === 'bad port') return 'Node refuses to connect to this port (a reserved one): use another';
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}
