import { createHash } from 'node:crypto';
import { GraphqlClient } from './graphql-client.js';
import type { RoundRef } from './key-files.js';

/** The GraphQL operations the trustee's commands use (contract in src/application/vote). */

export interface VoteRoundView {
  electionId: string;
  round: number;
  stage: string;
  beleniosUuid?: string | null;
  missing: string[];
  thresholdStep: string;
  /** The group's plan: how many of its members are needed to decrypt. */
  thresholdGroup?: { threshold: number } | null;
  electionJson?: string | null;
  trusteesJson?: string | null;
  encryptedTallyJson?: string | null;
  decryptedBy: string[];
  result?: { candidates: { name: string; votes: number }[]; blank: number; countedBallots: number } | null;
}

const ROUND_FIELDS = 'electionId round stage beleniosUuid missing thresholdStep thresholdGroup { threshold } electionJson trusteesJson encryptedTallyJson decryptedBy result { candidates { name votes } blank countedBallots }';
/** What a submission returns: enough to say what the ceremony waits for. */
const AFTER_SUBMIT_FIELDS = 'electionId round stage missing thresholdStep decryptedBy result { candidates { name votes } blank countedBallots }';

export interface StaffSession {
  token: string;
  expiresAt: string;
  role: string;
}

export async function signIn(client: GraphqlClient, username: string, password: string): Promise<StaffSession> {
  const data = await client.request<{ signIn: StaffSession }>(
    'mutation TrusteeSignIn($username: String!, $password: String!) { signIn(input: { username: $username, password: $password }) { token expiresAt role } }',
    { username, password },
  );
  return data.signIn;
}

export interface Me {
  kind: string;
  staffId: string | null;
  username: string | null;
  role: string | null;
}

/** The round and, in the same request, who the server takes the caller to be (from the token). */
export async function voteRoundAs(client: GraphqlClient, ref: RoundRef): Promise<{ me: Me; voteRound: VoteRoundView | null }> {
  return client.request<{ me: Me; voteRound: VoteRoundView | null }>(
    `query TrusteeVoteRound($electionId: String!, $round: Int!) { me { kind staffId username role } voteRound(electionId: $electionId, round: $round) { ${ROUND_FIELDS} } }`,
    { electionId: ref.electionId, round: ref.round },
  );
}

export async function voteRound(client: GraphqlClient, ref: RoundRef): Promise<VoteRoundView | null> {
  const data = await client.request<{ voteRound: VoteRoundView | null }>(`query TrusteeVoteRound($electionId: String!, $round: Int!) { voteRound(electionId: $electionId, round: $round) { ${ROUND_FIELDS} } }`, {
    electionId: ref.electionId,
    round: ref.round,
  });
  return data.voteRound;
}

export type Submission = 'submitTrusteeKey' | 'submitPartialDecryption' | 'submitThresholdCertificate' | 'submitThresholdPolynomial' | 'submitThresholdVoutput';

const ARGUMENT: Record<Submission, string> = {
  submitTrusteeKey: 'key',
  submitPartialDecryption: 'partialDecryption',
  submitThresholdCertificate: 'certificate',
  submitThresholdPolynomial: 'polynomial',
  submitThresholdVoutput: 'voutput',
};

/**
 * Sends a trustee's text. The idempotency key is derived from the operation, the round and the
 * text: sending the same text again (after a lost answer) is applied once.
 */
export async function submit(client: GraphqlClient, operation: Submission, ref: RoundRef, text: string): Promise<VoteRoundView> {
  const argument = ARGUMENT[operation];
  const commandId = `trustee-${createHash('sha256').update(`${operation}|${ref.electionId}|${ref.round}|${text}`).digest('hex')}`;
  const data = await client.request<Record<string, VoteRoundView>>(
    `mutation TrusteeSubmit($electionId: String!, $round: Int!, $text: String!, $commandId: String) {
      ${operation}(input: { electionId: $electionId, round: $round, ${argument}: $text, commandId: $commandId }) { ${AFTER_SUBMIT_FIELDS} }
    }`,
    { electionId: ref.electionId, round: ref.round, text, commandId },
  );
  return data[operation]!;
}

export async function thresholdCertificates(client: GraphqlClient, ref: RoundRef): Promise<string[]> {
  const data = await client.request<{ thresholdCertificates: string[] }>(
    'query TrusteeCertificates($electionId: String!, $round: Int!) { thresholdCertificates(electionId: $electionId, round: $round) }',
    { electionId: ref.electionId, round: ref.round },
  );
  return data.thresholdCertificates;
}

export async function thresholdVinput(client: GraphqlClient, ref: RoundRef): Promise<string | null> {
  const data = await client.request<{ thresholdVinput: string | null }>(
    'query TrusteeVinput($electionId: String!, $round: Int!) { thresholdVinput(electionId: $electionId, round: $round) }',
    { electionId: ref.electionId, round: ref.round },
  );
  return data.thresholdVinput;
}
