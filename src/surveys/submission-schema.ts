import { z } from 'zod';
import type { FormFields } from '../http/form-body';
import { allowedFields, FIELD, LIMITS, ratingQuestions } from './form-fields';
import type { InstrumentDefinition } from './instrument.types';

/** A valid submission, ready for the submit use case. */
export interface Submission {
  answers: Record<string, number>;
  comment?: string;
  dossierCode?: string;
  contact?: { phone?: string; email?: string };
  honeypotHit: boolean;
}

/** field name -> i18n key of the message shown next to it; `_form` for problems with the form as a whole. */
export type FieldErrors = Record<string, string>;

/**
 * Patterns that meet public input. Each field's length is checked first with `abort`, so no pattern ever runs over
 * more than its field's limit (zod runs later checks after a failed one unless told to stop), and every pattern is
 * linear by construction: no two quantified parts can match the same characters, so there is one way to match.
 * The e-mail pattern keeps dots out of its domain labels for that reason; the old `[^\s@]+\.[^\s@]+` tried every
 * dot as the separator and cost about 0.8 s on `a@` + 16,000 dots + `@`.
 */
export const PATTERNS = {
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  controlChars: /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/,
  dossierCode: /^[\p{L}\p{N}./_-]*$/u,
  phone: /^(\+?[0-9 .()-]{8,20})?$/,
  // Exactly one address: the local part takes RFC 5322's atext (and dots), never a comma, semicolon, angle bracket,
  // quote or space that could smuggle in a second recipient.
  email: /^([\p{L}\p{N}!#$%&'*+/=?^_`{|}~.-]+@[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)+)?$/u,
} as const;

/** A length limit that stops validation of the field when it fails (see PATTERNS). */
const stopIfLonger = (error: string) => ({ error, abort: true }) as const;

const text = (max: number) =>
  z
    .string()
    .max(max, stopIfLonger('form.error.tooLong'))
    // Control characters other than tab and newlines have no business in a comment.
    .refine((v) => !PATTERNS.controlChars.test(v), 'form.error.invalidText')
    .transform((v) => v.trim())
    .optional();

/**
 * Built once per survey version: only the fields this version defines, scores in range, length limits. The ratings
 * (most of a form's fields) are checked by a plain loop against the scale's scores; zod checks the free-text fields,
 * where its patterns and limits earn their cost. A zod object over every rating cost about a twentieth of an answer's
 * CPU in B2 (docs/benchmarks.md, session 12).
 */
export function buildSubmissionSchema(definition: InstrumentDefinition) {
  const shape: Record<string, z.ZodType> = {
    [FIELD.token]: z.string().max(300),
    [FIELD.honeypot]: z.string().max(500).optional(),
  };
  if (definition.comment) shape[FIELD.comment] = text(LIMITS.comment);
  if (definition.dossierCode === 'optional') {
    shape[FIELD.dossierCode] = z
      .string()
      .trim()
      .max(LIMITS.dossierCode, stopIfLonger('form.error.tooLong'))
      .regex(PATTERNS.dossierCode, 'form.error.dossierCode')
      .optional();
  }
  if (definition.contactAllowed) {
    shape[FIELD.contactPhone] = z.string().trim().max(LIMITS.phone, stopIfLonger('form.error.phone')).regex(PATTERNS.phone, 'form.error.phone').optional();
    shape[FIELD.contactEmail] = z.string().trim().max(LIMITS.email, stopIfLonger('form.error.email')).regex(PATTERNS.email, 'form.error.email').optional();
    shape[FIELD.contactConsent] = z.literal('yes').optional();
  }
  const ratings = ratingQuestions(definition).map((question) => ({ key: question.key, required: question.key === definition.overall.key }));
  return {
    /** every field name a form of this version may post */
    allowed: allowedFields(definition),
    /** each rating question, and whether it must be answered (the overall question) */
    ratings,
    ratingKeys: new Set(ratings.map((rating) => rating.key)),
    /** the scores a rating may take: "1" to the scale */
    scores: new Map(Array.from({ length: definition.scale }, (_, i) => [String(i + 1), i + 1])),
    /** the fields other than ratings (the field names were checked against the survey before) */
    rest: z.object(shape),
  };
}

export type SubmissionSchema = ReturnType<typeof buildSubmissionSchema>;

/** The ratings as numbers, and an error for each missing required one or one outside the scale. */
function checkRatings(schema: SubmissionSchema, fields: FormFields): { answers: Record<string, number>; errors: FieldErrors } {
  const answers: Record<string, number> = {};
  const errors: FieldErrors = {};
  for (const { key, required } of schema.ratings) {
    const value = fields.get(key);
    if (value === undefined || value === '') {
      if (required) errors[key] = value === undefined ? 'form.error.required' : 'form.error.score';
      continue;
    }
    const score = schema.scores.get(value);
    if (score === undefined) errors[key] = 'form.error.score';
    else answers[key] = score;
  }
  return { answers, errors };
}

export function validateSubmission(schema: SubmissionSchema, fields: FormFields): { ok: true; value: Submission } | { ok: false; errors: FieldErrors } {
  if ([...fields.keys()].some((name) => !schema.allowed.has(name))) return { ok: false, errors: { _form: 'form.error.unknownField' } };

  const { answers, errors } = checkRatings(schema, fields);
  const parsed = schema.rest.safeParse(Object.fromEntries([...fields].filter(([name]) => !schema.ratingKeys.has(name))));
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? '_form');
      errors[field] ??= issue.message.startsWith('form.') ? issue.message : 'form.error.invalid';
    }
  }
  if (!parsed.success || Object.keys(errors).length) return { ok: false, errors };
  const data = parsed.data as Record<string, string | undefined>;
  const phone = data[FIELD.contactPhone] || undefined;
  const email = data[FIELD.contactEmail] || undefined;
  const consent = data[FIELD.contactConsent] === 'yes';
  if ((phone || email) && !consent) return { ok: false, errors: { [FIELD.contactConsent]: 'form.error.consentNeeded' } };
  if (consent && !phone && !email) return { ok: false, errors: { [FIELD.contactPhone]: 'form.error.contactNeeded' } };

  return {
    ok: true,
    value: {
      answers,
      comment: data[FIELD.comment] || undefined,
      dossierCode: data[FIELD.dossierCode] || undefined,
      contact: consent ? { phone, email } : undefined,
      honeypotHit: Boolean(data[FIELD.honeypot]),
    },
  };
}
