import 'reflect-metadata';
import { BadRequestException } from '@nestjs/common';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

/**
 * Validates a plain object (GraphQL arguments, a JSON file) against a class-validator input class.
 * Every problem comes back as one line naming the field by its path, `sponsorship[1].minimumSponsors:
 * must be a whole number, at least 1`, so that GraphQL clients and the CLI show the same messages.
 * Unknown fields are refused (a typo in a file must not silently drop a rule).
 */
export function validateInput<T extends object>(type: ClassConstructor<T>, plain: unknown): { value: T; issues: string[] } {
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    return { value: undefined as unknown as T, issues: ['input: must be an object'] };
  }
  // GraphQL hands over objects without a prototype; copy into plain JSON first.
  const value = plainToInstance(type, JSON.parse(JSON.stringify(plain)) as object, { exposeDefaultValues: true });
  const errors = validateSync(value, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  return { value, issues: flatten(errors) };
}

/** validateInput, throwing BadRequestException (BAD_USER_INPUT over GraphQL) with every issue. */
export function assertValidInput<T extends object>(type: ClassConstructor<T>, plain: unknown): T {
  const { value, issues } = validateInput(type, plain);
  if (issues.length > 0) throw new BadRequestException(issues);
  return value;
}

function flatten(errors: readonly ValidationError[], prefix = ''): string[] {
  const issues: string[] = [];
  for (const error of errors) {
    const path = prefix === '' ? error.property : /^\d+$/.test(error.property) ? `${prefix}[${error.property}]` : `${prefix}.${error.property}`;
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      issues.push(constraint === 'whitelistValidation' ? `${path}: is not a known field` : `${path}: ${message}`);
    }
    if (error.children && error.children.length > 0) issues.push(...flatten(error.children, path));
  }
  return issues;
}
