/**
 * Local accounts as the identity provider sees them: the address normalised, the password policy
 * checked and the password hashed or verified here; the rows are src/db/accounts.ts's.
 */
import { accountForLogin, insertAccount, insertAccountAs, setPasswordHash, type CreatedAccount, type LocalAccount } from '../../db/accounts.js';
import type { Db } from '../../db/database.js';
import type { User } from '../../db/model.js';
import { validName } from '../../db/validate.js';
import { badInput, unauthenticated } from '../../errors.js';
import type { Role } from '../../vocabulary/scopes.js';
import { burnVerification, checkPasswordPolicy, hashPassword, normaliseEmail, verifyPassword } from './passwords.js';

/** A bad name is refused before the (slow) hash, as a bad address or password is. */
function checkName(name: string | null | undefined): void {
  if (name != null && name.trim() !== '') validName(name);
}

/** Signs up: the first account is the bootstrap admin (src/db/accounts.ts insertAccount). */
export async function createAccount(db: Db, input: { email: string; password: string; name?: string | null }): Promise<CreatedAccount> {
  const email = normaliseEmail(input.email);
  checkPasswordPolicy(input.password, email);
  checkName(input.name);
  return insertAccount(db, { email, name: input.name ?? null, passwordHash: await hashPassword(input.password) });
}

/** An account made by the operator (`skillmeat-admin create-user`) with the role and team given. */
export async function createAccountAs(
  db: Db,
  input: { email: string; password: string; role: Role; teamId: string | null; name?: string | null },
): Promise<User> {
  const email = normaliseEmail(input.email);
  checkPasswordPolicy(input.password, email);
  checkName(input.name);
  return insertAccountAs(db, { email, name: input.name ?? null, role: input.role, teamId: input.teamId, passwordHash: await hashPassword(input.password) });
}

const BAD_LOGIN = 'Invalid email or password.';

/** The user whose email and password these are; the same error, and about the same time, otherwise. */
export async function authenticateAccount(db: Db, emailInput: string, password: string): Promise<User> {
  let email: string;
  try {
    email = normaliseEmail(emailInput);
  } catch {
    await burnVerification(password);
    throw unauthenticated(BAD_LOGIN);
  }
  const found = await accountForLogin(db, email, emailInput);
  if (!found) {
    await burnVerification(password);
    throw unauthenticated(BAD_LOGIN);
  }
  if (!(await verifyPassword(password, found.passwordHash))) throw unauthenticated(BAD_LOGIN);
  return found.user;
}

/** The password policy for a new password (nothing secret is checked here). */
export function checkNewPassword(account: LocalAccount, current: string, next: string): void {
  checkPasswordPolicy(next, account.email, 'newPassword');
  if (current === next) throw badInput('The new password must differ from the current one.', 'newPassword');
}

export async function checkCurrentPassword(account: LocalAccount, current: string): Promise<void> {
  if (!(await verifyPassword(current, account.passwordHash))) throw badInput('The current password is wrong.', 'currentPassword');
}

export async function setAccountPassword(db: Db, userId: number, next: string): Promise<void> {
  await setPasswordHash(db, userId, await hashPassword(next));
}
