import { Schema, type Connection, type Model } from 'mongoose';

export const ROLES = ['super_admin', 'department', 'unit_manager', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface User {
  email: string;
  name: string;
  passwordHash: string;
  role: Role;
  /** Root of the user's subtree; super admins and department staff see the whole province (the root unit). */
  unitCode: string;
  disabled?: boolean;
  createdAt?: Date;
  /**
   * Set when someone else chose the password (earlier versions generated one at creation and showed it to the
   * administrator; accounts are invited now, invitations.ts): every admin page asks for a new one first.
   */
  mustChangePassword?: boolean;
  /** Raised at every password change or reset: sessions signed in under an older value end. */
  credentialVersion?: number;
  passwordChangedAt?: Date;
}

export interface AuditEntry {
  at: Date;
  actor: string;
  action: string;
  target?: string;
  details?: Record<string, unknown>;
}

/** Failed sign-ins per account and per IP (hashed), with growing lockouts. */
export interface LoginThrottle {
  _id: string;
  failures: number;
  level: number;
  lockedUntil?: Date;
  /** only on `known:` records: until when this network counts as the account owner's usual one */
  knownUntil?: Date;
  updatedAt: Date;
}

export interface ApiToken {
  name: string;
  /** sha256 of the token; the token itself is shown once at creation. */
  tokenHash: string;
  unitCode: string;
  createdBy: string;
  createdAt: Date;
  revokedAt?: Date;
  lastUsedAt?: Date;
  /** Tokens made before expiry existed have none: they expire a year after `createdAt` (see authenticate.ts). */
  expiresAt?: Date;
}

const userSchema = new Schema<User>(
  {
    email: { type: String, required: true, unique: true, lowercase: true, trim: true },
    name: { type: String, required: true },
    passwordHash: { type: String, required: true },
    role: { type: String, required: true, enum: ROLES },
    unitCode: { type: String, required: true },
    disabled: { type: Boolean, default: false },
    mustChangePassword: { type: Boolean, default: false },
    credentialVersion: { type: Number, default: 0 },
    passwordChangedAt: Date,
  },
  { collection: 'users', timestamps: true },
);

const auditSchema = new Schema<AuditEntry>(
  {
    at: { type: Date, required: true, index: true },
    actor: { type: String, required: true },
    action: { type: String, required: true },
    target: String,
    details: Schema.Types.Mixed,
  },
  { collection: 'audit_log', versionKey: false },
);

const throttleSchema = new Schema<LoginThrottle>(
  { _id: String, failures: { type: Number, default: 0 }, level: { type: Number, default: 0 }, lockedUntil: Date, knownUntil: Date, updatedAt: Date },
  { collection: 'login_throttles', versionKey: false },
);

const apiTokenSchema = new Schema<ApiToken>(
  {
    name: { type: String, required: true },
    tokenHash: { type: String, required: true, unique: true },
    unitCode: { type: String, required: true },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
    revokedAt: Date,
    lastUsedAt: Date,
    expiresAt: Date,
  },
  { collection: 'api_tokens', versionKey: false },
);

export type UserModel = Model<User>;
export type AuditModel = Model<AuditEntry>;
export type LoginThrottleModel = Model<LoginThrottle>;
export type ApiTokenModel = Model<ApiToken>;

export const userModel = (c: Connection): UserModel => (c.models.User as UserModel | undefined) ?? c.model<User>('User', userSchema);
export const auditModel = (c: Connection): AuditModel => (c.models.Audit as AuditModel | undefined) ?? c.model<AuditEntry>('Audit', auditSchema);
export const loginThrottleModel = (c: Connection): LoginThrottleModel =>
  (c.models.LoginThrottle as LoginThrottleModel | undefined) ?? c.model<LoginThrottle>('LoginThrottle', throttleSchema);
export const apiTokenModel = (c: Connection): ApiTokenModel =>
  (c.models.ApiToken as ApiTokenModel | undefined) ?? c.model<ApiToken>('ApiToken', apiTokenSchema);
