import { Controller, Get, Inject, InternalServerErrorException, Module, NotFoundException, Param, Res } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { AllowedFor } from '../auth/auth.decorators.js';
import type { EventStore } from '../event-store/event-store.port.js';
import { EVENT_STORE } from '../event-store/event-store.token.js';
import { LOGGER } from '../logging/logger.token.js';
import { BeleniosExportError, exportBeleniosArchive } from './belenios-archive-export.js';
import { drained } from '../http/drained.js';

/**
 * `GET /elections/:electionId/rounds/:round/archive.bel`: the round's public record as a Belenios
 * 2.0 archive, the same bytes as `urne export belenios` at that moment, streamed (`<uuid>.bel`).
 * Public, like Belenios' bulletin board. 404 for an unknown election or round, or a round whose
 * election key is not published yet.
 */
@Controller('elections')
export class BeleniosArchiveController {
  private readonly log: Logger;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'BeleniosArchive' });
  }

  @Get(':electionId/rounds/:round/archive.bel')
  @AllowedFor('public')
  async download(@Param('electionId') electionId: string, @Param('round') round: string, @Res() res: ServerResponse): Promise<void> {
    if (!/^[12]$/.test(round)) throw new NotFoundException(`election "${electionId}" has no round ${round}`);
    try {
      await exportBeleniosArchive(
        this.store,
        { electionId, round: Number(round) },
        async (chunk) => {
          if (chunk.length === 0) return;
          if (res.destroyed) throw new Error('the client went away');
          if (!res.write(chunk)) await drained(res);
        },
        {
          onStart: ({ uuid }) => {
            res.statusCode = 200;
            res.setHeader('Content-Type', 'application/x-tar');
            res.setHeader('Content-Disposition', `attachment; filename="${uuid}.bel"`);
            // The record grows during the vote: never serve a stale copy.
            res.setHeader('Cache-Control', 'no-store');
          },
        },
      );
      res.end();
    } catch (error) {
      if (!res.headersSent) {
        if (error instanceof BeleniosExportError) {
          if (error.code === 'Inconsistent') {
            this.log.error({ electionId, round, err: error }, 'the Belenios record of this round is inconsistent');
            throw new InternalServerErrorException('the record of this round is inconsistent');
          }
          throw new NotFoundException(error.message);
        }
        throw error;
      }
      // Mid-stream: the client sees a truncated download, never a complete-looking wrong one.
      if (!res.destroyed) this.log.warn({ electionId, round, err: error }, 'archive download aborted');
      res.destroy();
    }
  }
}

/** The public download of each round's Belenios archive. */
@Module({ controllers: [BeleniosArchiveController] })
export class BeleniosExportModule {}
