import { Schema, type Connection, type Model } from 'mongoose';

/**
 * Small collections that sit beside responses:
 * - dossier claims: at most one counted response per TTHC dossier code and survey; `_id` is "<survey>:<salted hash>",
 *   so the code itself is never stored, and `retryTag` recognises a retry of the same form without naming the
 *   response (dossier-claim.ts);
 * - contacts: optional contact details, stored apart from answers with the consent wording and a retention date;
 * - link views: form views per link and month (Asia/Ho_Chi_Minh), the denominator of the response rate;
 *   `_id` is "<link code>|<period>" (documents written before this were per day, "<code>|<day>", and still sum
 *   correctly by period).
 */
export interface DossierClaim {
  _id: string;
  retryTag: string;
}

export interface Contact {
  responseId: string;
  purpose: string;
  consentText: string;
  phone?: string;
  email?: string;
  consentedAt: Date;
  retainUntil: Date;
}

export interface LinkView {
  _id: string;
  linkCode: string;
  unitCode: string;
  /** only on documents written per day, before views were kept per month */
  day?: string;
  period: string;
  views: number;
}

export const linkViewId = (linkCode: string, period: string) => `${linkCode}|${period}`;

const dossierClaimSchema = new Schema<DossierClaim>(
  { _id: String, retryTag: { type: String, required: true } },
  { collection: 'dossier_claims', versionKey: false },
);

const contactSchema = new Schema<Contact>(
  {
    responseId: { type: String, required: true, index: true },
    purpose: { type: String, required: true },
    consentText: { type: String, required: true },
    phone: String,
    email: String,
    consentedAt: { type: Date, required: true },
    retainUntil: { type: Date, required: true, index: true },
  },
  { collection: 'contacts', versionKey: false },
);

const linkViewSchema = new Schema<LinkView>(
  {
    _id: String,
    linkCode: { type: String, required: true },
    unitCode: { type: String, required: true },
    day: String,
    period: { type: String, required: true, index: true },
    views: { type: Number, default: 0 },
  },
  { collection: 'link_views', versionKey: false },
);

export type DossierClaimModel = Model<DossierClaim>;
export type ContactModel = Model<Contact>;
export type LinkViewModel = Model<LinkView>;

export const dossierClaimModel = (c: Connection): DossierClaimModel =>
  (c.models.DossierClaim as DossierClaimModel | undefined) ?? c.model<DossierClaim>('DossierClaim', dossierClaimSchema);
export const contactModel = (c: Connection): ContactModel => (c.models.Contact as ContactModel | undefined) ?? c.model<Contact>('Contact', contactSchema);
export const linkViewModel = (c: Connection): LinkViewModel =>
  (c.models.LinkView as LinkViewModel | undefined) ?? c.model<LinkView>('LinkView', linkViewSchema);
