import { DomainError } from '../../shared/decider.js';
import type { FiniteFieldGroup } from '../groups.js';
import { bigNumber, object, parseText, string } from './json.js';
import { decryptMessage, encryptMessage, type CheckCrypto, type ThresholdCrypto } from './pki.js';
import type { AesCcm } from './aes-ccm.js';
import { signMessage, signedMessageFromJson, signedMessageToJson, verifySignature } from './signed-message.js';

/**
 * Private channels between trustees through the administrator (Belenios 2.0, section 4.6.3):
 * send(sk, recipient, M) = encrypt(recipient, serialize(sign(sk, serialize({recipient, message: M})))).
 */
export async function sendOnChannel(group: FiniteFieldGroup, signingKey: bigint, recipient: bigint, message: string, crypto: ThresholdCrypto): Promise<string> {
  const channelMessage = JSON.stringify({ recipient: recipient.toString(), message });
  const signed = await signMessage(group, signingKey, channelMessage, crypto);
  return encryptMessage(group, recipient, JSON.stringify(signedMessageToJson(signed)), crypto);
}

export interface ChannelRecipient {
  readonly decryptionKey: bigint;
  readonly encryptionKey: bigint;
}

/**
 * Opens a message sent to `recipient` by the holder of `senderVerificationKey`: decrypts it,
 * checks the signature and that it was meant for this recipient. Refuses with `InvalidChannelMessage`.
 */
export async function receiveFromChannel(
  group: FiniteFieldGroup,
  recipient: ChannelRecipient,
  senderVerificationKey: bigint,
  sent: string,
  crypto: CheckCrypto & { readonly aesCcm: AesCcm },
  what = 'channel message',
): Promise<string> {
  const refuse = (reason: string) => new DomainError('InvalidChannelMessage', `${what}: ${reason}`, { what });
  let plaintext: string;
  try {
    plaintext = await decryptMessage(group, recipient.decryptionKey, sent, crypto);
  } catch (error) {
    throw refuse(error instanceof Error ? error.message : String(error));
  }
  const signed = signedMessageFromJson(parseText(plaintext, `${what} (signed)`), `${what} (signed)`);
  if (!(await verifySignature(group, senderVerificationKey, signed, crypto))) throw refuse('the signature is not the sender’s');
  const channelMessage = object(parseText(signed.message, `${what} (channel_msg)`), `${what} (channel_msg)`);
  if (bigNumber(channelMessage.recipient, `${what}.recipient`) !== recipient.encryptionKey) throw refuse('it was sent to another recipient');
  return string(channelMessage.message, `${what}.message`);
}
