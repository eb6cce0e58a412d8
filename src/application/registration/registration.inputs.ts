import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { IsOptional, IsString, Length, Matches, ValidateBy, type ValidationArguments } from 'class-validator';
import { requestOf } from '../../infrastructure/auth/auth.decorators.js';
import { clientAddressOf } from '../../infrastructure/auth/client-address.js';

export const got = (args: ValidationArguments) => (args.value === undefined ? 'it is missing' : `got a ${typeof args.value}`);

/** The caller's network address (for the network burst signal only: it is blind-indexed, never stored). */
export const ClientAddress = createParamDecorator((_data: unknown, context: ExecutionContext): string => clientAddressOf(requestOf(context)));

export function IsRegistrationId(): PropertyDecorator {
  return Matches(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, { message: 'must be a registration id (a UUID)' });
}

export function IsCommandId(): PropertyDecorator {
  return (target: object, key: string | symbol) => {
    IsOptional()(target, key);
    IsString({ message: 'must be a string' })(target, key);
    Length(1, 128, { message: 'must have 1 to 128 characters' })(target, key);
  };
}

/** Non-blank text; the message never repeats the value (it may be personal data). */
export function IsText(maxLength: number): PropertyDecorator {
  return ValidateBy(
    { name: 'isText', validator: { validate: (value: unknown) => typeof value === 'string' && value.trim() !== '' && value.length <= maxLength } },
    { message: (args: ValidationArguments) => `must be non-blank text of at most ${maxLength} characters; ${got(args)}` },
  );
}
