import { getOrCreateSetting, newSalt, type SettingModel } from './settings.model';

/** The installation's hashing salt, read once from the database and then kept in memory. */
export function saltProvider(Setting: SettingModel): () => Promise<string> {
  let salt: Promise<string> | undefined;
  return () => {
    salt ??= getOrCreateSetting(Setting, 'hash-salt', newSalt).catch((error: unknown) => {
      salt = undefined; // a failed read (database down) is retried next time
      throw error;
    });
    return salt;
  };
}
