import { Algorithm, hash, verify, type Options } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';
import type { PasswordHasher } from '../../application/ports/staff-credentials.js';

/** argon2id with OWASP's baseline (and @node-rs/argon2's defaults): 19 MiB, 2 passes, 1 lane. */
export const ARGON2_OPTIONS: Options = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32 };

/** Password hashing with argon2id; the PHC string it returns carries its own salt and parameters. */
export class Argon2PasswordHasher implements PasswordHasher {
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly options: Options = ARGON2_OPTIONS) {}

  hash(password: string): Promise<string> {
    return hash(password, this.options);
  }

  async verify(hashed: string, password: string): Promise<boolean> {
    try {
      return await verify(hashed, password);
    } catch {
      // A malformed stored hash opens nothing.
      return false;
    }
  }

  async verifyDummy(password: string): Promise<false> {
    this.dummyHash ??= hash(randomBytes(24).toString('base64url'), this.options);
    await this.verify(await this.dummyHash, password);
    return false;
  }
}
