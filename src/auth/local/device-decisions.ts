/** Approving or denying a device request, shared by the GraphQL mutations and the /device page. */
import { type Context, viewerOf } from '../../context/context.js';
import { audit } from '../../db/audit.js';
import { decideDeviceAuthorization } from '../../db/device-codes.js';
import { errorCode, forbidden } from '../../errors.js';

/** Decides a device request for the signed-in user; wrong codes count against the guess limit. */
export async function decideDevice(ctx: Context, userCode: string, approve: boolean): Promise<void> {
  const viewer = viewerOf(ctx);
  if (!ctx.idp || viewer.userId === null) throw forbidden('Device login needs the local identity provider and a signed-in user.');
  const address = ctx.address ?? 'unknown';
  await ctx.idp.limits.check('userCodePerAddress', address);
  try {
    await decideDeviceAuthorization(ctx.db, userCode, viewer.userId, approve);
  } catch (error) {
    if (errorCode(error) === 'NOT_FOUND') await ctx.idp.limits.hit('userCodePerAddress', address);
    throw error;
  }
  await audit(ctx.db, {
    event: approve ? 'device.approved' : 'device.denied',
    outcome: 'success',
    actorUserId: viewer.userId,
    teamId: viewer.teamId,
    address: ctx.address,
  });
}

