import type { Models } from '../models';
import type { Logger } from '../logger';
import { audit } from './audit';
import { generatePassword, hashPassword } from './passwords';
import { insertOnce } from '../data/write-once';

/**
 * The first administrator, created once when no user exists: ADMIN_EMAIL / ADMIN_PASSWORD when given, else a
 * generated password printed once to the console (it is stored only as an argon2id hash).
 */
export async function ensureFirstAdmin(
  models: Models,
  options: { email?: string; password?: string; rootUnitCode: string; logger: Logger; print: (line: string) => void },
  now: Date,
): Promise<{ created: boolean; email: string }> {
  const email = (options.email ?? 'admin@hailong.local').toLowerCase();
  if ((await models.User.estimatedDocumentCount()) > 0) return { created: false, email };
  const password = options.password ?? generatePassword();
  // Not forced to change at first sign-in, unlike accounts an administrator creates for someone else: the
  // operator who starts the app is the one who reads the generated password, and the interface contract
  // (architecture.md) promises that these printed credentials sign in and reach the dashboard and the API.
  // The password page (/admin/password) lets them replace it.
  const passwordHash = await hashPassword(password);
  const created = await insertOnce(() =>
    models.User.create({ email, name: 'Quản trị viên', passwordHash, role: 'super_admin', unitCode: options.rootUnitCode }),
  );
  if (!created) return { created: false, email }; // another instance won
  await audit(models.Audit, { actor: 'system', action: 'user.create', target: email, details: { role: 'super_admin' } }, now);
  // The first administrator receives the province-wide monthly summary (interface contract), once.
  await insertOnce(() =>
    models.Subscription.create({
      email,
      name: 'Quản trị viên',
      unitCode: options.rootUnitCode,
      kind: 'education',
      lang: 'vi',
      createdBy: 'system',
      createdAt: now,
    }),
  );
  if (!options.password) {
    options.print(
      `\n  Admin sign-in / Đăng nhập quản trị: ${email}  password / mật khẩu: ${password}\n  (shown once; set ADMIN_EMAIL and ADMIN_PASSWORD to choose your own)\n`,
    );
  }
  options.logger.info({ email }, 'first administrator created');
  return { created: true, email };
}
