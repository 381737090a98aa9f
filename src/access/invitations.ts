import mongoose, { Schema, type Connection, type Model } from 'mongoose';
import { isLinkToken } from './link-tokens';
import { consumeLink, issueLink, peekLink } from './one-time-links';
import { ROLES, type Role } from './access.models';

/**
 * Invitations to an account (issue #25 item 10). An administrator never learns whether an e-mail address has an
 * account outside their units: inviting any address they may not see gives the same answer and the same pending
 * row, whether it is free or taken. The account itself is made only when the invitee follows the link and chooses a
 * password (invitation.routes.ts). For an address that already has an account the link is never sent (the owner
 * gets a notice instead), and the row stays pending until it expires, as an ignored invitation does.
 *
 * The link is kept as every one-time link is (one-time-links.ts): only the token's hash is stored, it works once and
 * until it expires, a new invitation to the same address replaces the old one, and the hourly retention sweep
 * deletes expired ones.
 */
export interface Invitation {
  _id: string;
  email: string;
  name: string;
  role: Role;
  unitCode: string;
  invitedBy: string;
  createdAt: Date;
  expiresAt: Date;
}

const invitationSchema = new Schema<Invitation>(
  {
    _id: String,
    email: { type: String, required: true },
    name: { type: String, required: true },
    role: { type: String, required: true, enum: ROLES },
    unitCode: { type: String, required: true },
    invitedBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'invitations', versionKey: false },
);

export type InvitationModel = Model<Invitation>;
export const invitationModel = (c: Connection): InvitationModel =>
  (c.models.Invitation as InvitationModel | undefined) ?? c.model<Invitation>('Invitation', invitationSchema);

/** A week: long enough for someone to find the e-mail after a holiday, short enough that a forgotten link dies. */
export const INVITATION_TTL_MS = 7 * 24 * 3600_000;

export const isInvitationToken = isLinkToken;

export const createInvitation = (
  Invitation: InvitationModel,
  invite: Pick<Invitation, 'email' | 'name' | 'role' | 'unitCode' | 'invitedBy'>,
  now: Date,
): Promise<{ token: string; expiresAt: Date }> => issueLink(Invitation, { ...invite, createdAt: now }, INVITATION_TTL_MS, now);

/** The invitation behind a live link (the link stays usable). */
export const peekInvitation = (Invitation: InvitationModel, token: string, now: Date): Promise<Invitation | null> => peekLink(Invitation, token, now);

/** Uses the link up: of two concurrent uses, one gets the invitation and the other null. */
export const consumeInvitation = (Invitation: InvitationModel, token: string, now: Date): Promise<Invitation | null> => consumeLink(Invitation, token, now);

/** Invitations not yet accepted nor expired, oldest first. */
export async function pendingInvitations(Invitation: InvitationModel, now: Date): Promise<Invitation[]> {
  return Invitation.find({ expiresAt: mongoose.trusted({ $gt: now }) })
    .sort({ createdAt: 1 })
    .lean<Invitation[]>();
}
