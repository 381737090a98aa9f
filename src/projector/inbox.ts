import crypto from 'node:crypto';
import type { Connection } from 'mongoose';
import type { CommentStatus } from '../responses/response.model';
import { collectionNamed } from '../data/by-id';

/**
 * The projector's inbox (`projector_inbox`): what stored data still has to change in the derived documents. Every
 * change to figures, lists, clusters, cases and claims starts as one item here, written before (or instead of) the
 * source's own write, and ends when a batch that consumed it is applied (projector.ts). The collection only ever
 * holds the work of the last moments, so reading it whole is cheap on any database.
 *
 * Item ids start with the time of arrival (base36 milliseconds of this machine's clock) and this process's count of
 * items, so the inbox is read in order of arrival (exactly so for the items of one instance), and end with random bits.
 */
export interface Chains {
  ancestors: string[];
  then?: string[];
}

export interface ContactDetails {
  phone?: string;
  email?: string;
  consentText: string;
  /** days the details are kept */
  retentionDays: number;
}

interface Base {
  _id: string;
  /** when the change was asked for (the app's clock: what audit entries and review times record) */
  at: Date;
}

/**
 * A new answer, stored with `intake` = this item's id. It names the answer; what the answer does not hold itself
 * comes along: contact details (stored apart from answers) and the dossier claim (a salted hash of the code and a tag
 * of the signed form, never stored with the answer). Both leave the database with the item, once applied.
 */
export interface AnswerItem extends Base {
  kind: 'answer';
  responseId: string;
  contact?: ContactDetails;
  claim?: { id: string; tag: string };
}

/** An admin's include or exclude of flagged answers (one, or a cluster), audited once if it decided anything. */
export interface DecisionItem extends Base {
  kind: 'decision';
  responseIds: string[];
  include: boolean;
  reviewer: string;
  audit: { action: string; target: string; details: Record<string, unknown>; countChanged?: boolean };
}

/** A comment's status and tags (the comment list's facets). */
export interface CommentItem extends Base {
  kind: 'comment';
  responseId: string;
  status: CommentStatus;
  tags: string[];
}

/** Answers whose unit moved or merged (reorganisation/rechain.ts): counted and listed under these chains from now on. */
export interface MoveItem extends Base {
  kind: 'move';
  responseIds: string[];
  to: Chains;
}

export type WorkItem = AnswerItem | DecisionItem | CommentItem | MoveItem;

/**
 * The items a batch takes from the head of the inbox: as many as touch at most `size` answers, and at least one. A
 * batch is bounded by the answers it loads and plans, not by its items: a move names up to 200 answers and a cluster
 * decision hundreds, so 500 of them held 100,000 answers at once (517 MB for the app at a million answers, B7).
 */
export function batchOf<T extends WorkItem>(items: readonly T[], size: number): T[] {
  const taken: T[] = [];
  let answers = 0;
  for (const item of items) {
    answers += 'responseIds' in item ? item.responseIds.length : 1;
    if (taken.length && answers > size) break;
    taken.push(item);
  }
  return taken;
}

export const inboxCollection = (db: Connection) => collectionNamed<WorkItem>(db, 'projector_inbox');

let minted = 0;

/** A fresh item id: arrival time and this process's count first, so `_id` order is arrival order. */
export function newItemId(now = Date.now()): string {
  minted = (minted + 1) % 36 ** 5;
  return `${now.toString(36).padStart(9, '0')}-${minted.toString(36).padStart(5, '0')}${crypto.randomBytes(6).toString('base64url')}`;
}

/** The real time an item id was minted at. */
export const itemTime = (id: string) => parseInt(id.slice(0, id.indexOf('-')), 36);
