import { Module } from '@nestjs/common';
import { ElectionTimelineResolver } from '../../projections/election-timeline/election-timeline.resolver.js';
import { ProjectionsModule } from '../../projections/projections.module.js';
import { CancelElectionHandler } from './cancel-election/cancel-election.handler.js';
import { CancelElectionResolver } from './cancel-election/cancel-election.resolver.js';
import { ChangeElectionDateHandler } from './change-election-date/change-election-date.handler.js';
import { ChangeElectionDateResolver } from './change-election-date/change-election-date.resolver.js';
import { DeclareElectionHandler } from './declare-election/declare-election.handler.js';
import { DeclareElectionResolver } from './declare-election/declare-election.resolver.js';
import { ElectionViews } from './election-views.js';
import { GetElectionResolver } from './get-election/get-election.resolver.js';

/**
 * Election set-up and phases: declare, change a date (with a reason), cancel; read an election
 * from its stream; the public timeline from the election-timeline read model. The clock is the
 * global CLOCK when one is provided, the system clock otherwise.
 */
@Module({
  imports: [ProjectionsModule],
  providers: [
    ElectionViews,
    DeclareElectionHandler,
    DeclareElectionResolver,
    ChangeElectionDateHandler,
    ChangeElectionDateResolver,
    CancelElectionHandler,
    CancelElectionResolver,
    GetElectionResolver,
    ElectionTimelineResolver,
  ],
  exports: [ElectionViews],
})
export class ElectionModule {}
