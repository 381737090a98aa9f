import { createModels, ensureIndexes, type Models } from '../../src/models';
import { seedTargets } from '../../src/stats/target.model';
import { QUESTION_BANK } from '../../src/surveys/question-bank';
import { publishQuestionBank } from '../../src/surveys/survey-catalog';
import { createUser, csrfFrom, signIn } from '../helpers/admin-fixtures';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { createTestContext, type TestContext } from '../helpers/test-app';

/** Every <form …> opening tag of a page whose body carries a CSRF token, with its method. */
function formsWithToken(html: string): { method: string; action: string }[] {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)]
    .filter(([, , body]) => body!.includes('name="_csrf"'))
    .map(([, attributes]) => ({
      method: /method="(\w+)"/.exec(attributes!)?.[1]?.toLowerCase() ?? 'get',
      action: /action="([^"]*)"/.exec(attributes!)?.[1] ?? '',
    }));
}

describe('the monthly report preview', () => {
  let ctx: TestContext;
  let models: Models;
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
    ctx = await createTestContext({ SMTP_URL: sink.url });
    models = createModels(ctx.db.connection);
    await ensureIndexes(models);
    await models.Unit.create({ code: 'SGD', name: 'Sở', type: 'department', ancestors: [] });
    await publishQuestionBank(models.Survey, QUESTION_BANK, new Date());
    await seedTargets(models.Target);
    await createUser(models, 'baocao@sogd.test', 'department', 'SGD');
  });
  afterAll(async () => {
    await ctx.close();
    await sink.close();
  });

  it('when the reports page is shown, then no form sends its CSRF token in a GET URL and the preview is a POST', async () => {
    const agent = await signIn(ctx.app, 'baocao@sogd.test');
    const page = await agent.get('/admin/reports').expect(200);
    const forms = formsWithToken(page.text);
    expect(forms.length).toBeGreaterThan(0);
    expect(forms.filter((f) => f.method !== 'post')).toEqual([]);
    expect(forms).toContainEqual({ method: 'post', action: '/admin/reports/preview' });
  });

  it('when the preview is posted with the token, then it renders; without it, then 403; and no mail leaves either way', async () => {
    const agent = await signIn(ctx.app, 'baocao@sogd.test');
    const csrf = csrfFrom((await agent.get('/admin/reports').expect(200)).text);
    const fields = { period: '2026-10', unit: 'SGD', kind: 'education', lang: 'vi' };
    const shown = await agent
      .post('/admin/reports/preview')
      .type('form')
      .send({ _csrf: csrf, ...fields })
      .expect(200);
    expect(shown.text).toContain('data:image/png;base64,');
    await agent.post('/admin/reports/preview').type('form').send(fields).expect(403);
    // A bookmarked GET still works, carries no token and sends nothing.
    await agent.get('/admin/reports/preview?period=2026-10&unit=SGD').expect(200);
    // Anything that mails keeps its CSRF check.
    await agent.post('/admin/reports/send-self').type('form').send(fields).expect(403);
    expect(sink.messages).toHaveLength(0);
  });
});
