/** Settings: registry-wide configuration held in the database. */
import { viewerOf } from '../context/context.js';
import { getSettings, updateSettings, type Settings } from '../db/settings.js';
import { builder } from './builder.js';

const SettingsRef = builder.objectRef<Settings>('Settings').implement({
  fields: (t) => ({ registryName: t.exposeString('registryName') }),
});

const UpdateSettingsInput = builder.inputType('UpdateSettingsInput', {
  fields: (t) => ({ registryName: t.string({ required: false }) }),
});

builder.queryField('settings', (t) =>
  t.field({
    type: SettingsRef,
    description: 'admin:settings',
    resolve: (_root, _args, ctx) => {
      viewerOf(ctx);
      return getSettings(ctx.db);
    },
  }),
);

builder.mutationField('updateSettings', (t) =>
  t.field({
    type: builder.objectRef<{ settings: Settings }>('UpdateSettingsPayload').implement({
      fields: (f) => ({ settings: f.expose('settings', { type: SettingsRef }) }),
    }),
    description: 'admin:settings',
    args: { input: t.arg({ type: UpdateSettingsInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      viewerOf(ctx);
      return { settings: await updateSettings(ctx.db, input) };
    },
  }),
);
