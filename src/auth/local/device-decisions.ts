/** Approving or denying a device request, shared by the GraphQL mutations and the /device page. */
import { type Context, viewerOf } from '../../context/context.js';
import { audit } from '../../db/audit.js';
import { decideDeviceAuthorization } from '../../db/device-codes.js';
import { forbidden } from '../../errors.js';
import { identityProviderOf } from './identity-provider.js';

/** Decides a device request for the signed-in user; every guess but a right one counts against the guess limit. */
export async function decideDevice(ctx: Context, userCode: string, approve: boolean): Promise<void> {
  const viewer = viewerOf(ctx);
  const idp = identityProviderOf(ctx);
  if (!idp || viewer.userId === null) throw forbidden('Device login needs the local identity provider and a signed-in user.');
  const userId = viewer.userId;
  // The guess takes its slot before the code is looked up, so guesses sent together are limited too.
  await idp.limits.attempt([{ name: 'userCodePerAddress', key: ctx.address ?? 'unknown', onSuccess: 'give back' }], () =>
    decideDeviceAuthorization(ctx.db, userCode, userId, approve),
  );
  await audit(ctx.db, {
    event: approve ? 'device.approved' : 'device.denied',
    outcome: 'success',
    actorUserId: viewer.userId,
    teamId: viewer.teamId,
    address: ctx.address,
  });
}

