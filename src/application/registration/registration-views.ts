import { Field, Int, ObjectType } from '@nestjs/graphql';
import type { PersonalDataVault } from '../ports/personal-data-vault.js';
import type { RegistrationFileRow } from '../../projections/registration-review/registration-review.projection.js';
import { displayOrErased, type SealedPersonalData } from '../../domain/shared/personal-data.js';

@ObjectType('RegistrationSignal')
export class RegistrationSignalType {
  @Field({ description: 'email-reused, phone-reused, payment-reused, network-burst.' })
  kind!: string;

  @Field(() => Int, { description: 'Registrations sharing the value (this one included).' })
  count!: number;

  @Field(() => Int, { description: 'Allowed by the thresholds.' })
  limit!: number;
}

/** A registration as staff see it: identity opened (or [erased]); contacts masked. */
@ObjectType('RegistrationFile')
export class RegistrationFileType {
  @Field() registrationId!: string;
  @Field() electionId!: string;
  @Field() rollEntryId!: string;
  @Field() district!: string;
  @Field({ description: 'awaiting-confirmation, in-review, approved, rejected or cancelled.' }) status!: string;
  @Field() lastName!: string;
  @Field() firstNames!: string;
  @Field() birthDate!: string;
  @Field({ description: 'Masked: j•••@example.org.' }) emailMasked!: string;
  @Field({ description: 'Masked: +33 6•• •• •• 78.' }) phoneMasked!: string;
  @Field() emailConfirmed!: boolean;
  @Field() phoneConfirmed!: boolean;
  @Field(() => [String], { description: 'Why it is in the review queue: email-reused, phone-reused, payment-reused, network-burst, disposable-email, homonym.' })
  reasons!: string[];
  @Field(() => [RegistrationSignalType]) signals!: RegistrationSignalType[];
  @Field({ nullable: true }) decisionReason?: string;
  @Field() submittedAt!: string;
}

export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return at <= 0 ? '•••' : `${email[0]}•••${email.slice(at)}`;
}

export function maskPhone(phone: string): string {
  return phone.length < 4 ? '•••' : `${phone.slice(0, 4)}•••••${phone.slice(-2)}`;
}

export function toFileView(row: RegistrationFileRow, vault: PersonalDataVault, phoneData?: SealedPersonalData | null): RegistrationFileType {
  const fields = vault.open(JSON.parse(row.sealed) as SealedPersonalData);
  const phoneFields = phoneData ? vault.open(phoneData) : fields;
  const status = row.status !== 'pending' ? row.status : row.flagged && !row.reviewCleared ? 'in-review' : 'awaiting-confirmation';
  return {
    registrationId: row.registrationId,
    electionId: row.electionId,
    rollEntryId: row.rollEntryId,
    district: row.district,
    status,
    lastName: displayOrErased(fields, 'lastName'),
    firstNames: displayOrErased(fields, 'firstNames'),
    birthDate: displayOrErased(fields, 'birthDate'),
    emailMasked: fields === null ? displayOrErased(fields, 'email') : maskEmail(fields.email ?? ''),
    phoneMasked: phoneFields === null ? displayOrErased(phoneFields, 'phone') : maskPhone(phoneFields.phone ?? ''),
    emailConfirmed: row.emailConfirmed,
    phoneConfirmed: row.phoneConfirmed,
    reasons: row.reasons,
    signals: row.signals,
    ...(row.decisionReason ? { decisionReason: row.decisionReason } : {}),
    submittedAt: row.submittedAt,
  };
}
