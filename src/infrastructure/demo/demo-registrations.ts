import type { ManualClock } from '../../application/ports/clock.js';
import { type DemoGraphqlClient, forEachConcurrently } from './demo-graphql.js';
import { OUTBOX_TEMPLATES, OutboxReader } from './demo-outbox.js';
import type { DemoProgress } from './demo-progress.js';

export interface DemoPerson {
  lastName: string;
  firstNames: string;
  birthDate: string;
  address: string;
}

export interface RegistrationOutcome {
  submitted: number;
  emailConfirmed: number;
  phoneConfirmed: number;
  statuses: Record<string, number>;
  fraud: { submitted: number; flagged: number; detail: string };
  reviewQueue: number;
  /** The registrations of the `count` people (not the fraud scenario's), with their contacts and last status. */
  registrants: RegisteredPerson[];
  /** The folder's reader, which keeps what it has read: the vote reads the next codes from it. */
  outbox: OutboxReader;
}

export interface RegisteredPerson {
  registrationId: string;
  email: string;
  phone: string;
  status: string;
}

export interface RegistrationStepOptions {
  /** Anonymous client (registration is public). */
  client: DemoGraphqlClient;
  /** A council session, opened when needed (the clock moves during this step). */
  council: () => Promise<DemoGraphqlClient>;
  clock: ManualClock;
  /** The registration window's end: the clock must stay before it. */
  closesAt: number;
  electionId: string;
  /** `count` people, then four more: the journalist and the three people he registers. */
  people: readonly DemoPerson[];
  count: number;
  outboxDir: string;
  concurrency: number;
  progress: DemoProgress;
}

const WAVE = 15;

const SUBMIT = `mutation($input: SubmitRegistrationInput!) { submitRegistration(input: $input) { registrationId status } }`;
const CONFIRM_EMAIL = `mutation($input: ConfirmRegistrationContactInput!) { confirmRegistrationEmail(input: $input) { status } }`;
const CONFIRM_PHONE = `mutation($input: ConfirmRegistrationContactInput!) { confirmRegistrationPhone(input: $input) { status } }`;

/**
 * Registrations through the public mutations, each confirmed with the codes from the outbox; then
 * the 2013 fraud: one person registers three others with his own e-mail and phone.
 * The demo clock moves an hour between waves of registrations (see WAVE).
 */
export async function runRegistrations(options: RegistrationStepOptions): Promise<RegistrationOutcome> {
  const { client, electionId, progress } = options;
  const outbox = new OutboxReader(options.outboxDir);
  // Waves of WAVE registrations, each in its own hour of the demo clock: the demo's single client
  // address must not look like a burst from one network (the default limit is 20 an hour).
  const waves = Math.ceil(options.count / WAVE) + 2;
  const spacing = Math.min(61 * 60_000, Math.max(1000, Math.floor((options.closesAt - options.clock.now().getTime()) / (waves + 1))));
  const statuses: Record<string, number> = {};
  let emailConfirmed = 0;
  let phoneConfirmed = 0;

  const register = async (person: DemoPerson, email: string, phone: string, commandId: string) => {
    const submitted = await client.request<{ submitRegistration: { registrationId: string; status: string } }>(SUBMIT, {
      input: { electionId, lastName: person.lastName, firstNames: person.firstNames, birthDate: person.birthDate, postalAddress: person.address, email, phone, commandId },
    });
    const { registrationId } = submitted.submitRegistration;
    let status = submitted.submitRegistration.status;
    const emailCode = await outbox.take(OUTBOX_TEMPLATES.registrationEmail, email);
    status = (await client.request<{ confirmRegistrationEmail: { status: string } }>(CONFIRM_EMAIL, { input: { registrationId, code: emailCode } })).confirmRegistrationEmail.status;
    emailConfirmed++;
    const smsCode = await outbox.take(OUTBOX_TEMPLATES.registrationPhone, phone);
    status = (await client.request<{ confirmRegistrationPhone: { status: string } }>(CONFIRM_PHONE, { input: { registrationId, code: smsCode } })).confirmRegistrationPhone.status;
    phoneConfirmed++;
    return { registrationId, status };
  };
  const phoneOf = (index: number) => `+33 6 ${String(10_000_000 + index).slice(-8).replace(/(\d\d)(?=\d)/g, '$1 ')}`;

  const people = options.people.slice(0, options.count);
  const registrants: RegisteredPerson[] = [];
  let done = 0;
  for (let start = 0; start < people.length; start += WAVE) {
    options.clock.advance(spacing);
    await forEachConcurrently(people.slice(start, start + WAVE), options.concurrency, async (person, offset) => {
      const index = start + offset;
      const email = `voter-${index + 1}@example.org`;
      const phone = phoneOf(index + 1);
      const { registrationId, status } = await register(person, email, phone, `demo-registration-${index + 1}`);
      registrants[index] = { registrationId, email, phone, status };
      statuses[status] = (statuses[status] ?? 0) + 1;
      progress.count('registrations', ++done, people.length);
    });
  }

  // The 2013 fraud: someone registers himself, then three others with his own e-mail and phone.
  const [journalist, ...victims] = options.people.slice(options.count, options.count + 4);
  const fraudEmail = 'journalist@example.org';
  const fraudPhone = phoneOf(options.count + 1);
  const fraudIds: string[] = [];
  options.clock.advance(spacing);
  if (journalist) {
    const own = await register(journalist, fraudEmail, fraudPhone, 'demo-registration-journalist');
    statuses[own.status] = (statuses[own.status] ?? 0) + 1;
  }
  for (const [i, victim] of victims.entries()) {
    const { registrationId, status } = await register(victim, fraudEmail, fraudPhone, `demo-registration-impersonation-${i + 1}`);
    fraudIds.push(registrationId);
    statuses[status] = (statuses[status] ?? 0) + 1;
  }

  const queue = await (await options.council())
    .request<{ registrationReviewQueue: Array<{ registrationId: string; reasons: string[] }> }>(
      `query($id: String!) { registrationReviewQueue(electionId: $id, limit: 300) { registrationId reasons } }`,
      { id: electionId },
    )
    .then((data) => data.registrationReviewQueue);
  const flagged = queue.filter((file) => fraudIds.includes(file.registrationId));
  const reasons = [...new Set(flagged.flatMap((file) => file.reasons))];
  return {
    submitted: people.length + (journalist ? 1 : 0) + fraudIds.length,
    emailConfirmed,
    phoneConfirmed,
    statuses,
    fraud: { submitted: fraudIds.length, flagged: flagged.length, detail: `${reasons.length ? `reasons: ${reasons.join(', ')}; ` : ''}registrations in waves of ${WAVE}, ${Math.round(spacing / 60_000)} min apart on the demo clock` },
    reviewQueue: queue.length,
    registrants,
    outbox,
  };
}
