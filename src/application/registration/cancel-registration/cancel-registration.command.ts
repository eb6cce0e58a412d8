import { Command } from '@nestjs/cqrs';

/** The voter of a registration withdraws it (their session names the registration). */
export class CancelRegistrationCommand extends Command<{ registrationId: string; status: string }> {
  constructor(
    readonly registrationId: string,
    readonly commandId: string,
    readonly actor: string,
  ) {
    super();
  }
}
