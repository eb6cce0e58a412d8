import { Command } from '@nestjs/cqrs';
import { Field, InputType, ObjectType } from '@nestjs/graphql';
import { IsString, Length } from 'class-validator';
import type { StaffRole } from '../../../domain/staff/staff-role.js';
import { StaffRoleEnum } from '../../../infrastructure/auth/staff-role.graphql.js';
import { MAX_PASSWORD_LENGTH } from '../../ports/staff-credentials.js';

@InputType({ description: 'A staff member signing in.' })
export class SignInInput {
  @Field()
  @IsString()
  @Length(1, 200)
  username!: string;

  @Field()
  @IsString()
  @Length(1, MAX_PASSWORD_LENGTH)
  password!: string;
}

@ObjectType({ description: 'A new staff session: send the token as "Authorization: Bearer <token>" until it expires.' })
export class StaffSessionType {
  @Field({ description: 'The bearer token (shown once; only its HMAC is stored).' })
  token!: string;

  @Field({ description: 'When the session ends (ISO 8601).' })
  expiresAt!: string;

  @Field(() => StaffRoleEnum)
  role!: StaffRole;
}

export class SignInCommand extends Command<StaffSessionType> {
  constructor(
    readonly username: string,
    readonly password: string,
    /** The caller's address, for the per-address rate limit and the log line (never in an event). */
    readonly address: string,
  ) {
    super();
  }
}
