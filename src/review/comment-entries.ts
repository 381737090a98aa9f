import type { ResponseDoc } from '../responses/response.model';
import { entryKey, type Entry, type EntryTarget } from './list-entries';
import { bucketsOf, directoryId } from './list-keys';

/**
 * A comment's entry: what the list filters on, so a filtered page is chosen from entries without reading responses
 * (t: submitted at, ms; s: status; g: tags; l: school level; c: the comment). The page itself shows the responses.
 */
export interface CommentEntry extends Entry {
  t: number;
  s: string;
  g?: string[];
  l?: string;
  c: string;
}

export const commentEntry = (r: ResponseDoc): CommentEntry | null =>
  r.comment
    ? {
        t: r.submittedAt.getTime(),
        s: r.commentStatus ?? 'new',
        ...(r.commentTags?.length ? { g: r.commentTags } : {}),
        ...(r.level ? { l: r.level } : {}),
        c: r.comment,
      }
    : null;

/** Per-day facets counted in the directory: all comments, per status, per level. */
export const commentFacets = (e: CommentEntry) => ['n', `s_${e.s}`, ...(e.l ? [`l_${e.l}`] : [])];

/** The comment entries a response should have, one per scope (null where it has no comment). */
export function commentTargets(r: ResponseDoc): EntryTarget[] {
  const next = commentEntry(r);
  return bucketsOf(r).map(({ scope, period, day, bucket }) => ({
    bucket,
    key: entryKey(r._id),
    next,
    responseId: r._id,
    counts: (e) => [{ id: directoryId(r.kind, scope, period), inc: Object.fromEntries(commentFacets(e as CommentEntry).map((f) => [`d.d${day}.${f}`, 1])) }],
  }));
}
