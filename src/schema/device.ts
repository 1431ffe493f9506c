/** approveDevice / denyDevice: the GraphQL side of the RFC 8628 verification step. */
import { decideDevice } from '../auth/local/device-decisions.js';
import { builder } from './builder.js';

const DeviceDecisionInput = builder.inputType('DeviceDecisionInput', {
  description: 'Approve or deny a pending device authorization (RFC 8628) by its user code.',
  fields: (t) => ({ userCode: t.string({ required: true }) }),
});
const DeviceDecisionPayload = builder.objectRef<{ ok: boolean }>('DeviceDecisionPayload').implement({
  fields: (t) => ({ ok: t.exposeBoolean('ok') }),
});

builder.mutationFields((t) => ({
  approveDevice: t.field({
    type: DeviceDecisionPayload,
    description: 'A signed-in user (JWT); the device gets tokens for that user.',
    args: { input: t.arg({ type: DeviceDecisionInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      await decideDevice(ctx, input.userCode, true);
      return { ok: true };
    },
  }),
  denyDevice: t.field({
    type: DeviceDecisionPayload,
    args: { input: t.arg({ type: DeviceDecisionInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      await decideDevice(ctx, input.userCode, false);
      return { ok: true };
    },
  }),
}));
