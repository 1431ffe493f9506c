/** Registry-wide settings, kept as key/value rows. */
import { type Db } from './database.js';
import { now } from '../datetime.js';
import { validName } from './validate.js';

export interface Settings {
  registryName: string;
}

export const DEFAULT_SETTINGS: Readonly<Settings> = { registryName: 'SkillMeat' };

export async function getSettings(db: Db): Promise<Settings> {
  const rows = await db.selectFrom('settings').select(['key', 'value']).execute();
  const stored = new Map(rows.map((r) => [r.key, r.value]));
  return { registryName: stored.get('registryName') ?? DEFAULT_SETTINGS.registryName };
}

export async function updateSettings(db: Db, input: { registryName?: string | null }): Promise<Settings> {
  if (input.registryName != null) {
    const value = validName(input.registryName, 'registryName');
    const at = now();
    await db
      .insertInto('settings')
      .values({ key: 'registryName', value, updated_at: at })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: at }))
      .execute();
  }
  return getSettings(db);
}
