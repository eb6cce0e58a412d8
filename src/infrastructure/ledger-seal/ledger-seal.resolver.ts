import { BadRequestException, Inject } from '@nestjs/common';
import { Args, Field, Int, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { canonicalJson, sealDocument } from '../../domain/ledger/index.js';
import { AllowedFor } from '../auth/auth.decorators.js';
import type { SealingKey } from './ledger-crypto.js';
import { LedgerSealer } from './ledger-sealer.js';
import type { StoredSeal } from './ledger-seal-store.js';

@ObjectType('LedgerChainCheckpoint', { description: 'The chain at one event, signed inside a seal.' })
export class LedgerChainCheckpointType {
  @Field(() => String, { description: 'Position of the event in $all (decimal string).' })
  position!: string;
  @Field(() => String, { description: 'The chain hash after that event (hex).' })
  chainHash!: string;
  @Field(() => Int, { description: 'Events in $all up to and including it.' })
  eventCount!: number;
}

@ObjectType('LedgerSeal', { description: 'A signed statement of the ledger chain at a position. Keep `document`: it lets you detect any later change to the ledger before that position.' })
export class LedgerSealType {
  @Field(() => String, { description: 'The last event covered (decimal string).' })
  position!: string;
  @Field(() => String, { description: 'The chain hash after that event (hex, SHA-256).' })
  chainHash!: string;
  @Field(() => Int, { description: 'Events in $all up to and including position.' })
  eventCount!: number;
  @Field(() => String, { description: '"interval" or "phase-change".' })
  reason!: string;
  @Field(() => String, { nullable: true, description: 'For a phase-change seal: the event type that triggered it.' })
  trigger!: string | null;
  @Field(() => String, { description: 'When the server signed it (ISO 8601).' })
  at!: string;
  @Field(() => String, { description: 'Always "Ed25519".' })
  algorithm!: string;
  @Field(() => String, { description: 'Id of the signing key (see ledgerSealingKey).' })
  keyId!: string;
  @Field(() => String, { description: 'Ed25519 signature (hex) of the seal; see docs/ledger-chain.md.' })
  signature!: string;
  @Field(() => [LedgerChainCheckpointType], { description: 'The chain at every K-th event since the previous seal.' })
  checkpoints!: LedgerChainCheckpointType[];
  @Field(() => String, { description: 'Position of the LedgerSealed event itself (also the cursor).' })
  sealPosition!: string;
  @Field(() => String, { description: 'The stream of the LedgerSealed event (ledgerseal-<position>).' })
  stream!: string;
  @Field(() => String, { description: 'The seal as a JSON file to keep, for `urne ledger verify --seal`.' })
  document!: string;
}

@ObjectType('LedgerSealPage')
export class LedgerSealPageType {
  @Field(() => [LedgerSealType])
  seals!: LedgerSealType[];
  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page.' })
  endCursor!: string | null;
  @Field(() => Boolean)
  hasNextPage!: boolean;
}

@ObjectType('LedgerSealingKey', { description: "The server's public key that signs the ledger seals." })
export class LedgerSealingKeyType {
  @Field(() => String)
  keyId!: string;
  @Field(() => String, { description: 'Always "Ed25519".' })
  algorithm!: string;
  @Field(() => String, { description: 'The raw 32-byte public key, hex.' })
  publicKey!: string;
  @Field(() => String, { description: 'The same key as a PEM SubjectPublicKeyInfo.' })
  publicKeyPem!: string;
}

export const LEDGER_SEALING_KEY = Symbol.for('urne:LedgerSealingKey');

@Resolver()
export class LedgerSealResolver {
  constructor(
    private readonly sealer: LedgerSealer,
    @Inject(LEDGER_SEALING_KEY) private readonly key: SealingKey,
  ) {}

  @Query(() => LedgerSealPageType, { description: 'The seals of the ledger, oldest first (public).' })
  @AllowedFor('public')
  ledgerSeals(
    @Args('first', { type: () => Int, nullable: true, defaultValue: 20, description: '1 to 100' }) first: number,
    @Args('after', { type: () => String, nullable: true, description: 'A sealPosition (endCursor of the previous page).' }) after: string | null,
  ): LedgerSealPageType {
    if (!Number.isInteger(first) || first < 1 || first > 100) throw new BadRequestException('first must be between 1 and 100');
    if (after != null && !/^(0|[1-9]\d{0,18})$/.test(after)) throw new BadRequestException('after must be a sealPosition');
    const rows = this.sealer.seals.seals(after == null ? null : BigInt(after), first + 1);
    const seals = rows.slice(0, first).map((row) => this.toType(row));
    return { seals, endCursor: seals.at(-1)?.sealPosition ?? after ?? null, hasNextPage: rows.length > first };
  }

  @Query(() => LedgerSealType, { nullable: true, description: 'The most recent seal of the ledger (public).' })
  @AllowedFor('public')
  latestLedgerSeal(): LedgerSealType | null {
    const row = this.sealer.seals.latest();
    return row ? this.toType(row) : null;
  }

  @Query(() => LedgerSealingKeyType, { description: "The server's seal-signing public key (public)." })
  @AllowedFor('public')
  ledgerSealingKey(): LedgerSealingKeyType {
    return { keyId: this.key.keyId, algorithm: 'Ed25519', publicKey: this.key.publicKey.toString('hex'), publicKeyPem: this.key.publicKeyPem };
  }

  private toType(row: StoredSeal): LedgerSealType {
    const { seal } = row;
    const publicKey = seal.keyId === this.key.keyId ? this.key.publicKey.toString('hex') : undefined;
    const document = sealDocument(seal, { sealEvent: { position: row.eventPosition.toString(), stream: row.stream, id: row.eventId }, ...(publicKey ? { publicKey } : {}) });
    return {
      ...seal,
      trigger: seal.trigger ?? null,
      checkpoints: seal.checkpoints,
      sealPosition: row.eventPosition.toString(),
      stream: row.stream,
      document: `${JSON.stringify(JSON.parse(canonicalJson(document)), null, 2)}\n`,
    };
  }
}
