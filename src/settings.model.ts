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
export const settingModel = (c: Connection): SettingModel => (c.models.Setting as SettingModel | undefined) ?? c.model<Setting>('Setting', settingSchema);

/** Returns the stored value of `key`, creating it with `create()` the first time (first writer wins). */
export async function getOrCreateSetting(Setting: SettingModel, key: string, create: () => string): Promise<string> {
  const doc = await Setting.findOneAndUpdate({ _id: key }, { $setOnInsert: { value: create() } }, { upsert: true, returnDocument: 'after' }).lean();
  return doc.value;
}

export const newSalt = () => crypto.randomBytes(32).toString('base64url');

/**
 * Runs a start-up migration until it has once finished on this database, then never again: a marker setting is
 * written after `work` succeeds, and read by `_id` at each later start. `work` must be idempotent (two instances
 * starting together may both run it before either writes the marker).
 */
export async function runOnce(Setting: SettingModel, key: string, work: () => Promise<void>): Promise<boolean> {
  const id = `migration:${key}`;
  if (await Setting.exists({ _id: id })) return false;
  await work();
  await Setting.updateOne({ _id: id }, { $setOnInsert: { value: new Date().toISOString() } }, { upsert: true });
  return true;
}
