import { BadRequestException, Controller, Get, Inject, Query, Res } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { StaffActionRecorder } from '../../application/staff/record-staff-action/staff-action-recorder.js';
import type { Actor } from '../auth/actor.js';
import { AllowedFor, CurrentActor } from '../auth/auth.decorators.js';
import type { EventStore } from '../event-store/event-store.port.js';
import { EVENT_STORE } from '../event-store/event-store.token.js';
import { LOGGER } from '../logging/logger.token.js';
import { exportLedger, LedgerExportError, parsePosition, parseRedactions, type Redaction } from './ledger-export.js';
import { drained } from '../http/drained.js';

/**
 * `GET /ledger.ndjson[?from=<position>][&redact=sealed,indexes]`: the whole event log as NDJSON,
 * the same lines as `urne export ledger` (docs/public-record.md), streamed with back-pressure.
 *
 * Staff of role `auditor` or `council` only (`Authorization: Bearer <token>`): the full log holds
 * every registration's sealed personal data, blind indexes, districts and times, and it links
 * each émargement to its ballot by position (one atomic append); the public record of a round is
 * the Belenios archive (`GET /elections/:id/rounds/:n/archive.bel`). Every download is recorded
 * (StaffActionRecorded `ledger.export`, in the log it exports). 400 for a bad `from` or `redact`.
 */
@Controller()
export class LedgerExportController {
  private readonly log: Logger;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly audit: StaffActionRecorder,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'LedgerExport' });
  }

  @Get('ledger.ndjson')
  @AllowedFor('auditor', 'council')
  async download(@CurrentActor() actor: Actor, @Res() res: ServerResponse, @Query('from') fromText?: string, @Query('redact') redactText?: string): Promise<void> {
    let from: bigint | null = null;
    let redact: Redaction[] = [];
    try {
      if (typeof fromText === 'string' && fromText !== '') from = parsePosition(fromText);
      else if (fromText !== undefined && typeof fromText !== 'string') throw new LedgerExportError('from: give it once');
      if (typeof redactText === 'string') redact = parseRedactions(redactText);
      else if (redactText !== undefined) throw new LedgerExportError('redact: give it once, as a comma-separated list');
    } catch (error) {
      if (error instanceof LedgerExportError) throw new BadRequestException([error.message]);
      throw error;
    }
    await this.audit.recordStaffAction(actor, 'ledger.export', 'ledger', { from: from === null ? null : from.toString(), redact: redact.join(',') });
    try {
      await exportLedger(
        this.store,
        async (chunk) => {
          if (res.destroyed) throw new Error('the client went away');
          if (!res.write(chunk)) await drained(res);
        },
        {
          from,
          redact,
          onStart: (header) => {
            res.statusCode = 200;
            res.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
            res.setHeader('Content-Disposition', `attachment; filename="urne-ledger-${header.from ?? 'start'}-${header.headPosition ?? 'empty'}.ndjson"`);
            res.setHeader('Cache-Control', 'no-store');
            res.setHeader('X-Urne-Head-Position', header.headPosition ?? '');
          },
        },
      );
      res.end();
    } catch (error) {
      if (!res.headersSent) throw error;
      // Mid-stream: the client sees a download without its trailer line, never a complete-looking one.
      if (!res.destroyed) this.log.warn({ err: error }, 'ledger download aborted');
      res.destroy();
    }
  }
}
