import crypto from 'node:crypto';
import path from 'node:path';
import { Cron } from 'croner';
import { z } from 'zod';

/**
 * The only reader of process.env. Parsed once at boot, frozen and typed; a bad value stops boot with one line
 * naming the variable (see formatConfigError).
 */
const booleanish = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    MONGODB_URI: z
      .string()
      .regex(/^mongodb(\+srv)?:\/\/\S+$/, 'must be a mongodb:// or mongodb+srv:// URI')
      .optional(),
    DATA_DIR: z.string().min(1).default('./data'),
    PUBLIC_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\/\S+$/, 'must be an smtp:// or smtps:// URL')
      .optional(),
    RATE_LIMIT_REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL')
      .optional(),
    MAIL_FROM: z.string().min(3).default('Hài Lòng <no-reply@localhost>'),
    ADMIN_EMAIL: z.email({ error: 'must be an e-mail address' }).optional(),
    ADMIN_PASSWORD: z.string().min(10, 'must be at least 10 characters').optional(),
    // false, true, a hop count, or an express trust-proxy expression such as "loopback".
    TRUST_PROXY: z
      .string()
      .regex(/^[\w.,:/ -]+$/, 'must be true, false, a hop count or a subnet list')
      .default('false'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    // Product settings with sensible defaults; documented in the README.
    FORM_MIN_FILL_SECONDS: z.coerce.number().int().min(0).max(600).default(3),
    DB_SEED_DEMO: booleanish.default(true),
    // Monthly summaries: cron in Asia/Ho_Chi_Minh (default 07:00 on the 1st).
    REPORT_CRON: z
      .string()
      .default('0 7 1 * *')
      .refine((value) => {
        try {
          new Cron(value, { paused: true });
          return true;
        } catch {
          return false;
        }
      }, 'must be a cron pattern such as "0 7 1 * *"'),
    REPORT_SCHEDULE: booleanish.default(true),
    // Rollups left pending by a crash are recounted once their change is this old: longer than a write can stay in
    // flight on any instance (the driver's 30 s socket timeout), so a live change is never recounted under it.
    SESSION_IDLE_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(30),
    SESSION_MAX_HOURS: z.coerce
      .number()
      .int()
      .min(1)
      .max(7 * 24)
      .default(8),
    // Figures with fewer answers than this show n only (no share, mean or interval); 1 would expose single answers.
    SMALL_CELL_K: z.coerce.number().int().min(2).max(100).default(5),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.SESSION_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['SESSION_SECRET'], message: 'is required in production' });
    }
    // Trusting every hop lets any client write its own X-Forwarded-For, and with it slip past every per-address limit.
    if (env.NODE_ENV === 'production' && trustsEveryone(env.TRUST_PROXY)) {
      ctx.addIssue({
        code: 'custom',
        path: ['TRUST_PROXY'],
        message:
          "must not trust every proxy in production: set the number of proxies in front of the app (e.g. 1) or the proxy's address or subnet (e.g. 10.0.0.0/8)",
      });
    }
  });

export type RawEnv = z.infer<typeof schema>;

export interface Config extends Omit<RawEnv, 'TRUST_PROXY' | 'PUBLIC_BASE_URL' | 'SESSION_SECRET'> {
  PUBLIC_BASE_URL: string;
  SESSION_SECRET: string;
  TRUST_PROXY: boolean | number | string;
  isProduction: boolean;
  dataDir: string;
}

export class ConfigError extends Error {}

/** One line naming the first bad variable, e.g. `Invalid environment: PORT must be ... (got "abc")`. */
function formatConfigError(error: z.ZodError, env: NodeJS.ProcessEnv): string {
  const issue = error.issues[0]!;
  const name = String(issue.path[0] ?? 'environment');
  const got = env[name];
  const shown = got === undefined ? 'unset' : `got "${got.slice(0, 40)}"`;
  return `Invalid environment: ${name} ${issue.message} (${shown})`;
}

/** `true`, or a subnet covering every address, makes express believe any X-Forwarded-For a client sends. */
function trustsEveryone(value: string): boolean {
  return value
    .split(',')
    .map((part) => part.trim().toLowerCase())
    .some((part) => part === 'true' || part === '0.0.0.0/0' || part === '::/0');
}

function parseTrustProxy(value: string): boolean | number | string {
  if (value.toLowerCase() === 'true') return true;
  if (value.toLowerCase() === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  // Empty strings count as unset, as shells and compose files often export VAR= for "nothing".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) throw new ConfigError(formatConfigError(parsed.error, env));
  const raw = parsed.data;
  const isProduction = raw.NODE_ENV === 'production';
  return Object.freeze({
    ...raw,
    PUBLIC_BASE_URL: (raw.PUBLIC_BASE_URL ?? `http://localhost:${raw.PORT}`).replace(/\/+$/, ''),
    // Outside production a per-process secret is fine: sessions and form tokens simply expire on restart.
    SESSION_SECRET: raw.SESSION_SECRET ?? crypto.randomBytes(32).toString('hex'),
    TRUST_PROXY: parseTrustProxy(raw.TRUST_PROXY),
    isProduction,
    dataDir: path.resolve(raw.DATA_DIR),
  });
}
