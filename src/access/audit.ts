import type { AuditModel } from './access.models';

/** Appends to the audit log: sign-ins and every change made in the admin side. */
export async function audit(
  Audit: AuditModel,
  entry: { actor: string; action: string; target?: string; details?: Record<string, unknown> },
  now: Date,
): Promise<void> {
  await Audit.create({ ...entry, at: now });
}
