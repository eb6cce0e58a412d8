import { createParamDecorator, ValidationPipe, type ExecutionContext } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { AllowedFor, requestOf } from '../../../infrastructure/auth/auth.decorators.js';
import { clientAddressOf } from '../../../infrastructure/auth/client-address.js';
import { SignInCommand, SignInInput, StaffSessionType } from './sign-in.command.js';

const ClientAddress = createParamDecorator((_data: unknown, context: ExecutionContext): string => clientAddressOf(requestOf(context)));

@Resolver()
export class SignInResolver {
  constructor(private readonly commands: CommandBus) {}

  @Mutation(() => StaffSessionType, {
    description:
      'Signs a staff member in. Wrong username or password: InvalidCredentials (the same answer for both); too many failures for the username or from the address: RATE_LIMITED.',
  })
  @AllowedFor('public')
  signIn(
    @Args('input', new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true })) input: SignInInput,
    @ClientAddress() address: string,
  ): Promise<StaffSessionType> {
    return this.commands.execute(new SignInCommand(input.username, input.password, address));
  }
}
