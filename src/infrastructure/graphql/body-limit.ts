import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AppConfig } from '../config/app-config.js';

interface BodyParserError {
  status?: number;
  type?: string;
}

/** body-parser's errors carry `type` ("entity.too.large", "entity.parse.failed", …) and `status`. */
function isBodyParserError(error: unknown): error is BodyParserError {
  return typeof error === 'object' && error !== null && typeof (error as BodyParserError).type === 'string' && typeof (error as BodyParserError).status === 'number';
}

/**
 * Request size limit. Replaces Nest's default JSON parser (call before `init`/`listen`) by one
 * limited to `config.graphqlMaxBodyBytes` (the limit applies to every JSON body; /graphql is the
 * only JSON endpoint), and answers parser failures as JSON in the GraphQL error shape instead of
 * Express's HTML page (which would show a stack trace outside NODE_ENV=production):
 * 413 PAYLOAD_TOO_LARGE, 400 BAD_REQUEST (malformed JSON), 415 UNSUPPORTED_MEDIA_TYPE (charset).
 */
export function applyBodyLimit(app: NestExpressApplication, config: AppConfig): void {
  app.useBodyParser('json', { limit: config.graphqlMaxBodyBytes });
  app.use((error: unknown, _req: unknown, res: { status(code: number): { json(body: unknown): void } }, next: (error?: unknown) => void) => {
    if (!isBodyParserError(error)) {
      next(error);
      return;
    }
    if (error.type === 'entity.too.large' || error.status === 413) {
      res.status(413).json({ errors: [{ message: `The request body is larger than ${config.graphqlMaxBodyBytes} bytes.`, extensions: { code: 'PAYLOAD_TOO_LARGE', limit: config.graphqlMaxBodyBytes } }] });
    } else if (error.status === 415) {
      res.status(415).json({ errors: [{ message: 'Unsupported request body encoding.', extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' } }] });
    } else {
      res.status(400).json({ errors: [{ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }] });
    }
  });
}
