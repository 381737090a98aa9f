import type { Response } from 'express';
import type { Lang } from '../i18n';
import type { OpenLink } from '../links/link.service';
import { FIELD, LIMITS } from '../surveys/form-fields';
import type { Channel } from '../surveys/instrument.types';
import type { FieldErrors } from '../surveys/submission-schema';
import type { SurveyVersion } from '../surveys/survey.model';
import type { BlankForm, BlankForms } from './blank-forms';
import { renderToString, TOKEN_SLOT } from './form-page-cache';

export interface RenderState {
  open: OpenLink;
  survey: SurveyVersion;
  token: string;
  values?: Record<string, string>;
  errors?: FieldErrors;
  banner?: string;
}

export const CHANNELS: Record<Channel, { prefix: string; view: string }> = {
  form: { prefix: '/s', view: 'survey/form' },
  kiosk: { prefix: '/k', view: 'kiosk/form' },
};

function locals(channel: Channel, state: RenderState) {
  const { open, survey } = state;
  return {
    survey: survey.definition,
    unitName: open.unit.name,
    procedureName: open.link.procedure?.name ?? '',
    action: `${CHANNELS[channel].prefix}/${open.link.code}`,
    token: state.token,
    values: state.values ?? {},
    errors: state.errors ?? {},
    banner: state.banner ?? '',
    fields: FIELD,
    limits: LIMITS,
  };
}

export function renderForm(res: Response, channel: Channel, status: number, state: RenderState): void {
  res.status(status).render(CHANNELS[channel].view, locals(channel, state));
}

/** A blank form with a fresh token, from the page cache (see form-page-cache.ts), rendered on a miss. */
export async function renderBlank(blank: BlankForms, res: Response, channel: Channel, form: BlankForm): Promise<void> {
  const { open, survey } = form;
  const key = blank.keyOf(channel, form, res.locals.lang as Lang);
  const [head, token, tail] = await blank.pages.page(key, blank.newToken(survey, open.link.code), () =>
    renderToString(res, CHANNELS[channel].view, locals(channel, { open, survey, token: TOKEN_SLOT })),
  );
  // Sent as is: an ETag (a hash of 20 KB per view) is useless on a page that differs every time and is never stored.
  res
    .status(200)
    .type('html')
    .setHeader('Content-Length', head.length + token.length + tail.length);
  res.write(head);
  res.write(token);
  res.end(tail);
}
