import { Injectable } from '@nestjs/common';
import type { NotificationChannel } from '../../domain/notifications/notification.events.js';
import { isSecretParameterName } from '../../domain/notifications/notification.rules.js';

export interface RenderedMessage {
  /** E-mail only. */
  readonly subject?: string;
  readonly text: string;
}

/**
 * A message model. French first, then English. `parameters` are the non-secret values a request
 * carries (they are recorded in the log); `secrets` are issued at send time by the template's
 * SecretIssuer and exist only in the rendered message.
 */
export interface NotificationTemplate {
  /** Kebab-case, unique: `registration-email-confirmation`. */
  readonly name: string;
  readonly channel: NotificationChannel;
  readonly requiredParameters: readonly string[];
  readonly optionalParameters?: readonly string[];
  /** Names of the fresh secrets the message needs (`code`); none when empty. */
  readonly secrets: readonly string[];
  render(parameters: Readonly<Record<string, string>>, secrets: Readonly<Record<string, string>>): RenderedMessage;
}

const FOOTER_FR = 'Ce message est envoyé automatiquement ; merci de ne pas y répondre.';
const FOOTER_EN = 'This message was sent automatically; please do not reply.';

/** " (Primaire de Paris 2013)" when the request names the election, or nothing. */
function forElection(parameters: Readonly<Record<string, string>>): string {
  return parameters.electionTitle ? ` (${parameters.electionTitle})` : '';
}

/** Templates every node knows. Other slices add theirs with `TemplateRegistry.register`. */
export const DEFAULT_TEMPLATES: readonly NotificationTemplate[] = [
  {
    name: 'registration-email-confirmation',
    channel: 'email',
    requiredParameters: [],
    optionalParameters: ['electionTitle'],
    secrets: ['code'],
    render: (parameters, secrets) => ({
      subject: `Confirmez votre adresse e-mail / Confirm your e-mail address${forElection(parameters)}`,
      text: [
        `Bonjour,`,
        ``,
        `Pour confirmer l'adresse e-mail de votre inscription${forElection(parameters)}, saisissez ce code : ${secrets.code}`,
        `To confirm the e-mail address of your registration${forElection(parameters)}, enter this code: ${secrets.code}`,
        ``,
        `Si vous n'êtes pas à l'origine de cette inscription, ignorez ce message.`,
        `If you did not register, ignore this message.`,
        ``,
        FOOTER_FR,
        FOOTER_EN,
      ].join('\n'),
    }),
  },
  {
    name: 'registration-phone-confirmation',
    channel: 'sms',
    requiredParameters: [],
    secrets: ['code'],
    render: (_parameters, secrets) => ({
      text: `Code de confirmation de votre inscription : ${secrets.code}\nRegistration confirmation code: ${secrets.code}`,
    }),
  },
  {
    name: 'access-code',
    channel: 'email',
    requiredParameters: [],
    optionalParameters: ['electionTitle', 'votingUrl'],
    secrets: ['code'],
    render: (parameters, secrets) => ({
      subject: `Votre code d'accès pour voter / Your access code to vote${forElection(parameters)}`,
      text: [
        `Bonjour,`,
        ``,
        `Voici votre code d'accès personnel pour voter${forElection(parameters)} : ${secrets.code}`,
        `Here is your personal access code to vote${forElection(parameters)}: ${secrets.code}`,
        ...(parameters.votingUrl ? [``, `Pour voter / To vote: ${parameters.votingUrl}`] : []),
        ``,
        `Gardez-le pour vous : il ne vous sera pas redemandé par téléphone ni par e-mail.`,
        `Keep it to yourself: nobody will ever ask you for it by phone or e-mail.`,
        ``,
        FOOTER_FR,
        FOOTER_EN,
      ].join('\n'),
    }),
  },
  {
    name: 'authentication-code',
    channel: 'sms',
    requiredParameters: [],
    secrets: ['code'],
    render: (_parameters, secrets) => ({
      text: `Votre code d'authentification pour voter : ${secrets.code}\nYour authentication code to vote: ${secrets.code}`,
    }),
  },
];

/** The templates this node can send; requests naming another template are refused. */
@Injectable()
export class TemplateRegistry {
  private readonly templates = new Map<string, NotificationTemplate>();

  constructor() {
    for (const template of DEFAULT_TEMPLATES) this.register(template);
  }

  register(template: NotificationTemplate): void {
    if (this.templates.has(template.name)) throw new Error(`template ${template.name} is already registered`);
    const parameters = [...template.requiredParameters, ...(template.optionalParameters ?? [])];
    const secret = parameters.find(isSecretParameterName);
    if (secret !== undefined) throw new Error(`template ${template.name}: parameter ${secret} looks like a secret; declare it in "secrets"`);
    this.templates.set(template.name, template);
  }

  get(name: string): NotificationTemplate | undefined {
    return this.templates.get(name);
  }

  list(): NotificationTemplate[] {
    return [...this.templates.values()];
  }
}
