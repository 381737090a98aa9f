import { Schema, type Connection, type Model } from 'mongoose';
import type { SurveyKind } from '../surveys/instrument.types';

/** A recipient of the monthly summary: an address, the unit subtree it covers, the survey kind and a language. */
export interface Subscription {
  email: string;
  name?: string;
  unitCode: string;
  kind: SurveyKind;
  lang: 'vi' | 'en';
  createdBy: string;
  createdAt: Date;
}

export const OUTBOX_STATES = ['pending', 'sent', 'failed'] as const;
export type OutboxState = (typeof OUTBOX_STATES)[number];

/**
 * One delivery of one period's summary to one subscription (`_id` = "<period>:<subscription id>", so a period
 * can never get two entries for a recipient). Each attempt is claimed once ("send:<_id>:<attempts>").
 */
export interface OutboxEntry {
  _id: string;
  period: string;
  subscriptionId: string;
  to: string;
  unitCode: string;
  kind: SurveyKind;
  lang: 'vi' | 'en';
  state: OutboxState;
  attempts: number;
  nextAttemptAt: Date;
  /** When the current attempt was claimed: a claim older than the lease is taken over (the sender died). */
  claimedAt?: Date;
  lastError?: string;
  messageId: string;
  sentAt?: Date;
  createdAt: Date;
}

const subscriptionSchema = new Schema<Subscription>(
  {
    email: { type: String, required: true, lowercase: true, trim: true },
    name: String,
    unitCode: { type: String, required: true },
    kind: { type: String, required: true },
    lang: { type: String, required: true },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'subscriptions', versionKey: false },
);
subscriptionSchema.index({ email: 1, unitCode: 1, kind: 1 }, { unique: true });

const outboxSchema = new Schema<OutboxEntry>(
  {
    _id: String,
    period: { type: String, required: true, index: true },
    subscriptionId: { type: String, required: true },
    to: { type: String, required: true },
    unitCode: { type: String, required: true },
    kind: { type: String, required: true },
    lang: { type: String, required: true },
    state: { type: String, required: true, index: true },
    attempts: { type: Number, required: true },
    nextAttemptAt: { type: Date, required: true },
    claimedAt: Date,
    lastError: String,
    messageId: { type: String, required: true },
    sentAt: Date,
    createdAt: { type: Date, required: true },
  },
  { collection: 'outbox', versionKey: false },
);

export type SubscriptionModel = Model<Subscription>;
export type OutboxModel = Model<OutboxEntry>;
export const subscriptionModel = (c: Connection): SubscriptionModel =>
  (c.models.Subscription as SubscriptionModel | undefined) ?? c.model<Subscription>('Subscription', subscriptionSchema);
export const outboxModel = (c: Connection): OutboxModel => (c.models.Outbox as OutboxModel | undefined) ?? c.model<OutboxEntry>('Outbox', outboxSchema);
