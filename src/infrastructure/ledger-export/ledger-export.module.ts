import { Module } from '@nestjs/common';
import { StaffModule } from '../../application/staff/staff.module.js';
import { LedgerExportController } from './ledger-export.controller.js';

/** `GET /ledger.ndjson`: the event log as NDJSON, for auditors and the council. */
@Module({ imports: [StaffModule], controllers: [LedgerExportController] })
export class LedgerExportModule {}
