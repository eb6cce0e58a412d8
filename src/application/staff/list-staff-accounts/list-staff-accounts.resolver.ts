import { Field, ID, ObjectType, Query, Resolver } from '@nestjs/graphql';
import type { StaffRole } from '../../../domain/staff/staff-role.js';
import { AllowedFor } from '../../../infrastructure/auth/auth.decorators.js';
import { StaffRoleEnum } from '../../../infrastructure/auth/staff-role.graphql.js';
import { StaffDirectory } from '../staff-directory.js';

@ObjectType('StaffAccount', { description: 'A staff account as the log records it (no secret: passwords are kept outside the log).' })
export class StaffAccountType {
  @Field(() => ID) staffId!: string;
  @Field() username!: string;
  @Field(() => StaffRoleEnum) role!: StaffRole;
  @Field({ description: 'active or disabled' }) status!: string;
  @Field({ description: 'ISO 8601' }) createdAt!: string;
}

@Resolver()
export class ListStaffAccountsResolver {
  constructor(private readonly directory: StaffDirectory) {}

  @Query(() => [StaffAccountType], { description: 'Every staff account, by username (the same facts are in the public log).' })
  @AllowedFor('council', 'auditor')
  staffAccounts(): Promise<StaffAccountType[]> {
    return this.directory.list();
  }
}
