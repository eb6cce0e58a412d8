import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ManualClock } from '../../application/ports/clock.js';
import { type DemoGraphqlClient, forEachConcurrently } from './demo-graphql.js';
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
const EMAIL_TEMPLATE = 'registration-email-confirmation';
const SMS_TEMPLATE = 'registration-phone-confirmation';

/** Decodes a quoted-printable or base64 body of a single-part e-mail. */
function decodeBody(raw: string): string {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split).trim();
  const encoding = /^content-transfer-encoding:\s*(\S+)/im.exec(headers)?.[1]?.toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const joined = body.replace(/=\r?\n/g, '');
    return Buffer.from(joined.replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8');
  }
  return body;
}

const digits = (value: string) => value.replace(/\D/g, '').slice(-9);

/**
 * Reads the codes the registration sends from the file outbox (`<data>/outbox/`: `.eml` e-mails,
 * `.txt` SMS, written by the default senders), as the person would read their mail and SMS.
 */
class OutboxReader {
  private readonly seen = new Set<string>();
  /** Codes per `template|recipient`, oldest first, not yet taken. */
  private readonly codes = new Map<string, string[]>();

  constructor(private readonly dir: string) {}

  private async scan(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      if (this.seen.has(name) || name.endsWith('.partial')) continue;
      const template = name.includes(EMAIL_TEMPLATE) ? EMAIL_TEMPLATE : name.includes(SMS_TEMPLATE) ? SMS_TEMPLATE : null;
      this.seen.add(name);
      if (!template) continue;
      const raw = await readFile(join(this.dir, name), 'utf8');
      const to = /^To:\s*(.+)$/im.exec(raw)?.[1]?.trim() ?? '';
      const text = template === EMAIL_TEMPLATE ? decodeBody(raw) : raw;
      const code = /code[^\d\n]{0,20}(\d{6,8})/i.exec(text)?.[1];
      if (!code) continue;
      const recipient = template === EMAIL_TEMPLATE ? (/[^\s<>"]+@[^\s<>"]+/.exec(to)?.[0] ?? to).toLowerCase() : digits(to);
      const key = `${template}|${recipient}`;
      this.codes.set(key, [...(this.codes.get(key) ?? []), code]);
    }
  }

  /** The oldest unused code sent with this template to this recipient; waits for it (up to 30 s). */
  async take(template: string, recipient: string): Promise<string> {
    const key = `${template}|${template === EMAIL_TEMPLATE ? recipient.toLowerCase() : digits(recipient)}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const queue = this.codes.get(key);
      if (queue && queue.length > 0) return queue.shift()!;
      if (Date.now() > deadline) throw new Error(`no ${template} message for ${template === EMAIL_TEMPLATE ? 'an e-mail address' : 'a phone'} in ${this.dir} after 30 s`);
      await this.scan();
      if ((this.codes.get(key)?.length ?? 0) === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

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
    const emailCode = await outbox.take(EMAIL_TEMPLATE, email);
    status = (await client.request<{ confirmRegistrationEmail: { status: string } }>(CONFIRM_EMAIL, { input: { registrationId, code: emailCode } })).confirmRegistrationEmail.status;
    emailConfirmed++;
    const smsCode = await outbox.take(SMS_TEMPLATE, phone);
    status = (await client.request<{ confirmRegistrationPhone: { status: string } }>(CONFIRM_PHONE, { input: { registrationId, code: smsCode } })).confirmRegistrationPhone.status;
    phoneConfirmed++;
    return { registrationId, status };
  };
  const phoneOf = (index: number) => `+33 6 ${String(10_000_000 + index).slice(-8).replace(/(\d\d)(?=\d)/g, '$1 ')}`;

  const people = options.people.slice(0, options.count);
  let done = 0;
  for (let start = 0; start < people.length; start += WAVE) {
    options.clock.advance(spacing);
    await forEachConcurrently(people.slice(start, start + WAVE), options.concurrency, async (person, offset) => {
      const index = start + offset;
      const { status } = await register(person, `voter-${index + 1}@example.org`, phoneOf(index + 1), `demo-registration-${index + 1}`);
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
  };
}
