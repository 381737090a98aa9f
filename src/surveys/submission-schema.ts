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

/** Built once per survey version: only the fields this version defines, scores in range, length limits. */
export function buildSubmissionSchema(definition: InstrumentDefinition) {
  const scores = Array.from({ length: definition.scale }, (_, i) => String(i + 1)) as [string, ...string[]];
  const shape: Record<string, z.ZodType> = {
    [FIELD.token]: z.string().max(300),
    [FIELD.honeypot]: z.string().max(500).optional(),
  };
  for (const question of ratingQuestions(definition)) {
    const required = question.key === definition.overall.key;
    const score = z.enum(scores, { error: 'form.error.score' });
    shape[question.key] = required ? z.string({ error: 'form.error.required' }).pipe(score) : z.union([z.literal(''), score]).optional();
  }
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
  return z.object(shape).strict();
}

export type SubmissionSchema = ReturnType<typeof buildSubmissionSchema>;

export function validateSubmission(
  definition: InstrumentDefinition,
  schema: SubmissionSchema,
  fields: FormFields,
): { ok: true; value: Submission } | { ok: false; errors: FieldErrors } {
  const known = allowedFields(definition);
  if ([...fields.keys()].some((name) => !known.has(name))) return { ok: false, errors: { _form: 'form.error.unknownField' } };

  const parsed = schema.safeParse(Object.fromEntries(fields));
  if (!parsed.success) {
    const errors: FieldErrors = {};
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? '_form');
      errors[field] ??= issue.message.startsWith('form.') ? issue.message : 'form.error.invalid';
    }
    return { ok: false, errors };
  }
  const data = parsed.data as Record<string, string | undefined>;
  const answers: Record<string, number> = {};
  for (const question of ratingQuestions(definition)) {
    const value = data[question.key];
    if (value) answers[question.key] = Number(value);
  }
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
