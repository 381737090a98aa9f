import crypto from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';

/**
 * Installation-wide secrets that must outlive restarts and be shared by every instance, e.g. the salt for
 * hashing dossier codes and IP addresses (SESSION_SECRET may be random per process outside production).
 */
interface Setting {
  _id: string;
  value: string;
}

const settingSchema = new Schema<Setting>({ _id: String, value: { type: String, required: true } }, { collection: 'settings', versionKey: false });

export type SettingModel = Model<Setting>;
export const settingModel = (c: Connection): SettingModel =>
  (c.models.Setting as SettingModel | undefined) ?? c.model<Setting>('Setting', settingSchema);

/** Returns the stored value of `key`, creating it with `create()` the first time (first writer wins). */
export async function getOrCreateSetting(Setting: SettingModel, key: string, create: () => string): Promise<string> {
  const doc = await Setting.findOneAndUpdate({ _id: key }, { $setOnInsert: { value: create() } }, { upsert: true, returnDocument: 'after' }).lean();
  return doc!.value;
}

export const newSalt = () => crypto.randomBytes(32).toString('base64url');
