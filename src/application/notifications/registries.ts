import { Injectable } from '@nestjs/common';
import type { NotificationChannel } from '../../domain/notifications/notification.events.js';
import type { RecipientDirectory } from '../ports/recipient-directory.js';
import type { SecretIssuer } from '../ports/secret-issuer.js';

/** No issuer was registered for a template that declares secrets (a wiring problem: retried). */
export class NoSecretIssuerError extends Error {
  constructor(readonly template: string) {
    super(`no secret issuer is registered for template ${template}`);
    this.name = 'NoSecretIssuerError';
  }
}

/** No directory was registered for the subject's category (a wiring problem: retried). */
export class NoRecipientDirectoryError extends Error {
  constructor(readonly category: string) {
    super(`no recipient directory is registered for subjects of category ${category}`);
    this.name = 'NoRecipientDirectoryError';
  }
}

/**
 * The issuers of fresh secrets, one per template. A slice registers its issuer when its module
 * starts (in `onModuleInit`, before the dispatcher starts in `onApplicationBootstrap`):
 *
 *   constructor(issuers: SecretIssuerRegistry, codes: OneTimeCodes) {}
 *   onModuleInit() { this.issuers.register('registration-email-confirmation', this.codes); }
 */
@Injectable()
export class SecretIssuerRegistry implements SecretIssuer {
  private readonly issuers = new Map<string, SecretIssuer>();

  register(template: string, issuer: SecretIssuer | SecretIssuer['issue']): void {
    if (this.issuers.has(template)) throw new Error(`a secret issuer is already registered for template ${template}`);
    this.issuers.set(template, typeof issuer === 'function' ? { issue: issuer } : issuer);
  }

  has(template: string): boolean {
    return this.issuers.has(template);
  }

  async issue(template: string, subject: string, notificationId: string): Promise<Record<string, string>> {
    const issuer = this.issuers.get(template);
    if (!issuer) throw new NoSecretIssuerError(template);
    return issuer.issue(template, subject, notificationId);
  }
}

/**
 * The directories that turn a subject into an address, one per subject category: a subject
 * `registration-8f0c…` is resolved by the directory registered for `registration`.
 */
@Injectable()
export class RecipientDirectoryRegistry implements RecipientDirectory {
  private readonly directories = new Map<string, RecipientDirectory>();

  register(category: string, directory: RecipientDirectory | RecipientDirectory['resolve']): void {
    if (!/^[a-z][a-z0-9]*$/.test(category)) throw new Error(`a subject category is lower-case letters and digits, got ${JSON.stringify(category)}`);
    if (this.directories.has(category)) throw new Error(`a recipient directory is already registered for ${category}`);
    this.directories.set(category, typeof directory === 'function' ? { resolve: directory } : directory);
  }

  has(category: string): boolean {
    return this.directories.has(category);
  }

  async resolve(subject: string, channel: NotificationChannel): Promise<string | null> {
    const category = subject.slice(0, Math.max(0, subject.indexOf('-')));
    const directory = this.directories.get(category);
    if (!directory) throw new NoRecipientDirectoryError(category);
    return directory.resolve(subject, channel);
  }
}
