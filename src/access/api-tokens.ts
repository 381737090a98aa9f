import crypto from 'node:crypto';
import type { Types } from 'mongoose';
import type { Models } from '../models';
import { hashApiToken } from './authenticate';

/**
 * API tokens: made for a unit's subtree with an expiry, shown once (only the hash is stored), revoked by setting
 * `revokedAt`. Who may make or revoke one is the settings page's check (src/admin/settings.routes.ts).
 */
export async function issueApiToken(
  models: Pick<Models, 'ApiToken'>,
  fields: { name: string; unitCode: string; createdBy: string; days: number },
  now: Date,
): Promise<{ token: string; expiresAt: Date }> {
  const token = `hl_${crypto.randomBytes(24).toString('base64url')}`;
  const expiresAt = new Date(now.getTime() + fields.days * 24 * 3600_000);
  await models.ApiToken.create({
    name: fields.name,
    tokenHash: hashApiToken(token),
    unitCode: fields.unitCode,
    createdBy: fields.createdBy,
    createdAt: now,
    expiresAt,
  });
  return { token, expiresAt };
}

export async function revokeApiToken(models: Pick<Models, 'ApiToken'>, id: Types.ObjectId | string, now: Date): Promise<void> {
  await models.ApiToken.updateOne({ _id: id }, { $set: { revokedAt: now } });
}
