import type { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../cli-error.js';
import { configFromEnvironment, defaultActor } from '../cli-context.js';

/**
 * `urne election declare --file election.json` declares an election from a JSON file (the fields
 * of the GraphQL DeclareElectionInput; see examples/paris-2013.election.json), validated by the
 * same input class: every faulty field is listed, exit 2. A refusal by a rule (dates in the wrong
 * order, election already declared…) prints its code and exits 1.
 * `urne election show <id>` prints an election, its dates in its time zone, its phase and its
 * timeline, read from its stream.
 */
export function registerElectionCommand(program: Command): void {
  const election = program.command('election').description('declare an election, show its configuration, phase and timeline');
  election
    .command('declare')
    .requiredOption('-f, --file <path>', 'JSON file with the election (see examples/paris-2013.election.json)')
    .option('--at <instant>', 'record the declaration as of this instant instead of now (rehearsals and demos: the phases follow it)')
    .option('--actor <id>', 'who declares, recorded in the event metadata (default: cli:<os user>)')
    .description('declare an election from a JSON file')
    .action(declare);
  election
    .command('show')
    .argument('<id>', 'the election id, e.g. paris-2013')
    .option('--at <instant>', 'compute the phase at this instant instead of now')
    .option('--json', 'print JSON instead of text')
    .description("show an election's rules, dates, phase and timeline")
    .action(show);
}

interface DeclareOptions {
  file: string;
  at?: string;
  actor?: string;
}

async function parseInstantOption(at: string | undefined): Promise<Date> {
  if (at === undefined) return new Date();
  const { isInstant } = await import('../../../domain/election/time-zone.js');
  if (!isInstant(at)) throw new CliError(`--at: "${at}" is not an ISO 8601 instant such as 2013-04-15T10:00:00Z`, EXIT_USAGE);
  return new Date(at);
}

async function openStore() {
  const config = configFromEnvironment();
  const { createLogger } = await import('../../logging/create-logger.js');
  // Logs go to stderr at warn and above: stdout is for the report.
  const logger = createLogger({ logLevel: 'warn' }, process.stderr);
  const { createEventStore } = await import('../../event-store/create-event-store.js');
  return createEventStore(config, logger);
}

async function declare(options: DeclareOptions): Promise<void> {
  let text: string;
  try {
    text = readFileSync(options.file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${options.file}: ${error instanceof Error ? error.message : String(error)}`, EXIT_USAGE);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${options.file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, EXIT_USAGE);
  }

  const { validateInput } = await import('../../../application/election/input-validation.js');
  const { DeclareElectionCommand, DeclareElectionInput } = await import('../../../application/election/declare-election/declare-election.command.js');
  const { value: input, issues } = validateInput(DeclareElectionInput, json);
  if (issues.length > 0) throw new CliError(`${options.file} is not a valid election:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`, EXIT_USAGE);
  const at = await parseInstantOption(options.at);

  const { declareElection } = await import('../../../application/election/declare-election/declare-election.handler.js');
  const { loadElection } = await import('../../../application/election/load-election.js');
  const { DomainError } = await import('../../../domain/shared/decider.js');
  const store = await openStore();
  try {
    const clock = { now: () => new Date(at) };
    let result;
    try {
      result = await declareElection({ store, clock }, new DeclareElectionCommand(input, input.commandId ?? randomUUID(), options.actor ?? defaultActor()));
    } catch (error) {
      if (error instanceof DomainError) {
        const hint = error.code === 'DateInThePast' && options.at === undefined ? '\n(to rehearse or replay an election whose dates have passed, give --at <instant>)' : '';
        throw new CliError(`refused (${error.code}): ${error.message}${hint}`, EXIT_FAILURE);
      }
      throw error;
    }
    const state = await loadElection(store, input.electionId);
    if (state.status === 'not-declared') throw new CliError(`election ${input.electionId} was not found after declaring it`, EXIT_FAILURE);
    process.stdout.write(
      `${result.alreadyApplied ? 'already declared' : 'declared'} ${state.electionId}: stream election-${state.electionId}, revision ${result.nextExpectedRevision ?? '-'}\n`,
    );
    process.stdout.write(await describeElection(state, at.toISOString(), []));
  } finally {
    await store.close();
  }
}

interface TimelineLine {
  revision: bigint;
  position: bigint;
  type: string;
  recordedAt: string;
  actor: string | null;
  data: Record<string, unknown>;
}

async function show(electionId: string, options: { at?: string; json?: boolean }): Promise<void> {
  const at = (await parseInstantOption(options.at)).toISOString();
  const { isElectionId } = await import('../../../domain/election/election.rules.js');
  if (!isElectionId(electionId)) throw new CliError(`"${electionId}" is not an election id (a slug such as paris-2013)`, EXIT_USAGE);
  const { foldElection } = await import('../../../domain/election/election.decider.js');
  const { electionStreamName } = await import('../../../domain/election/election.events.js');
  const { currentPhase } = await import('../../../domain/election/election.phases.js');
  const { StreamNotFoundError } = await import('../../event-store/event-store.errors.js');

  const store = await openStore();
  const timeline: TimelineLine[] = [];
  try {
    for await (const event of store.readStream(electionStreamName(electionId))) {
      timeline.push({
        revision: event.revision,
        position: event.position,
        type: event.type,
        recordedAt: event.recordedAt.toISOString(),
        actor: event.metadata.actor ?? null,
        data: event.data as Record<string, unknown>,
      });
    }
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  } finally {
    await store.close();
  }
  const state = foldElection(timeline);
  if (state.status === 'not-declared') throw new CliError(`no election "${electionId}" has been declared`, EXIT_FAILURE);

  if (options.json) {
    const json = {
      election: state,
      phase: currentPhase(state, at),
      asOf: at,
      timeline: timeline.map((line) => ({ ...line, revision: line.revision.toString(), position: line.position.toString() })),
    };
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return;
  }
  process.stdout.write(await describeElection(state, at, timeline));
}

async function describeElection(state: import('../../../domain/election/election.state.js').DeclaredElection, at: string, timeline: TimelineLine[]): Promise<string> {
  const { ELECTION_DATE_NAMES } = await import('../../../domain/election/election.rules.js');
  const { currentPhase, openActivities } = await import('../../../domain/election/election.phases.js');
  const { describeInstant, instantToZonedTime, zoneOffsetAt } = await import('../../../domain/election/time-zone.js');
  const zone = state.rules.timeZone;
  const { rules } = state;
  const open = openActivities(state, at).map((window) => (window.round === 2 ? 'voting (round 2)' : window.activity));
  const lines = [
    `${state.electionId}: ${state.name}`,
    `  organiser         ${state.organiser}`,
    `  status            ${state.status}${state.cancellation ? ` (${state.cancellation.reason})` : ''}`,
    `  phase             ${currentPhase(state, at)} at ${at}${open.length > 0 ? `; open: ${open.join(', ')}` : ''}`,
    `  time zone         ${zone}`,
    `  rounds            ${rules.rounds.count}${rules.rounds.count === 2 ? ` (second round unless a candidate gets more than ${rules.rounds.majorityPercent}%)` : ''}`,
    `  blank vote        ${rules.blankVoteAllowed ? 'allowed' : 'not allowed'}`,
    `  revote policy     ${rules.revotePolicy}`,
    `  registration fee  ${rules.registrationFee ? `${(rules.registrationFee.amountCents / 100).toFixed(2)} ${rules.registrationFee.currency}` : 'none'}`,
    '  sponsorship',
    ...(rules.sponsorship.length === 0
      ? ['    none required']
      : rules.sponsorship.map((rule) => `    ${rule.sponsorKind.padEnd(17)} at least ${rule.minimumSponsors} sponsors from at least ${rule.minimumDistinctDistricts} districts`)),
    `  dates (${zone})`,
    ...ELECTION_DATE_NAMES.flatMap((name) => {
      const instant = state.dates[name];
      if (instant === null) return [];
      const local = instantToZonedTime(instant, zone).replace('T', ' ');
      return [`    ${name.padEnd(26)} ${local} ${zoneOffsetAt(instant, zone)}   ${instant}`];
    }),
  ];
  if (timeline.length > 0) {
    lines.push('  timeline');
    for (const event of timeline) {
      const by = event.actor ? ` by ${event.actor}` : '';
      let what: string = event.type;
      if (event.type === 'ElectionDateChanged') {
        what = `${String(event.data.date)} moved from ${describeInstant(String(event.data.from), zone)} to ${describeInstant(String(event.data.to), zone)}: ${String(event.data.reason)}`;
      } else if (event.type === 'ElectionCancelled') {
        what = `cancelled: ${String(event.data.reason)}`;
      } else if (event.type === 'ElectionDeclared') {
        what = 'declared';
      }
      lines.push(`    #${event.revision} ${event.recordedAt} (position ${event.position})${by}: ${what}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
