import type { NotificationChannel } from '../../domain/notifications/notification.events.js';

/**
 * Where a person's e-mail address or phone number comes from at send time: the slice that holds
 * the person (registration, with the personal data vault) answers for its subjects. Addresses are
 * never in a notification event, so erasing a person (crypto-shredding) also stops the messages
 * still owed to them.
 */
export interface RecipientDirectory {
  /**
   * The address on `channel` (an e-mail address, or a phone number in E.164 form) of `subject`
   * (`registration-<id>`), or null when there is none any more (erased, withdrawn, no phone):
   * the notification is then abandoned. Throwing makes the attempt fail and be retried.
   */
  resolve(subject: string, channel: NotificationChannel): Promise<string | null> | string | null;
}

/**
 * The `RecipientDirectory` the dispatcher uses: the registry, which routes on the subject's
 * category (`registration-…` to the directory registered for `registration`).
 */
export const RECIPIENT_DIRECTORY = Symbol.for('urne:RecipientDirectory');
