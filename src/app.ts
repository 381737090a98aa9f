import path from 'node:path';
import cookieParser from 'cookie-parser';
import express, { type Express } from 'express';
import type { Config } from './config';
import type { Database } from './db';
import { PROJECT_ROOT } from './embedded-db/ferretdb';
import { healthRoutes, type Readiness } from './health/health.routes';
import { homeRoutes } from './home/home.routes';
import { publicResultsRoutes } from './public/public.routes';
import { errorHandler, notFound } from './http/error-handler';
import { language } from './http/language';
import { requestLogging } from './http/request-logging';
import { securityHeaderList, securityHeaders } from './http/security';
import { serveFirst } from './http/serve-first';
import { formPageFastPath } from './forms/form-page-fast-path';
import { authRoutes } from './admin/auth.routes';
import { loadSessionUser, requireUser } from './access/authenticate';
import { adminRoutes } from './admin/admin.routes';
import { exportRoutes } from './admin/export.routes';
import { reviewRoutes } from './admin/review.routes';
import { linkAdminRoutes } from './admin/links.routes';
import { settingsRoutes } from './admin/settings.routes';
import { publicationRoutes } from './admin/publication.routes';
import { directoryRoutes } from './admin/directory.routes';
import { passwordRoutes, requirePasswordChange } from './admin/password.routes';
import { invitationRoutes } from './admin/invitation.routes';
import { passwordResetRoutes, resetLinkRoutes } from './admin/password-reset.routes';
import { surveyAdminRoutes } from './admin/surveys.routes';
import { createMailer, type Mailer } from './mail/mailer';
import { reportAdminRoutes } from './reports/reports.routes';
import { sessions } from './access/session';
import { csrfProtection } from './http/csrf';
import { purposeKey } from './secret-keys';
import { apiRoutes } from './stats/api.routes';
import { LinkResolver } from './links/link.service';
import { qrRoutes } from './links/qr.routes';
import type { Logger } from './logger';
import { createModels } from './models';
import { saltProvider } from './settings.salt';
import { publicFormRoutes } from './forms/form.routes';
import { dossierApiRoutes } from './dossiers/dossier-api.routes';
import { dossierAdminRoutes } from './dossiers/dossier-admin.routes';
import { caseRoutes } from './admin/case.routes';
import type { LimitStores } from './http/rate-limit-store';
import { SurveyCatalog } from './surveys/survey-catalog';
import { createInstance, type Instance } from './instance';

export interface AppDeps {
  config: Readonly<Config>;
  logger: Logger;
  db: Database;
  /** Defaults to "ready when the database answers a ping" (whoever builds the app without one has prepared the database). */
  readiness?: Readiness;
  /** Where "now" comes from; tests set it. */
  clock?: () => Date;
  /** Outgoing mail (admin previews); defaults to SMTP_URL. */
  mailer?: Mailer;
  /** Where the rate limits count; each instance's memory by default (server.ts passes Redis when configured). */
  limits?: LimitStores;
  /** This instance's projector, insert queue and view counts (instance.ts); made here when not given. */
  instance?: Instance;
}

/** Builds the express app. Never listens and never connects: server.ts and the tests do that. */
export function createApp(deps: AppDeps): Express {
  const { config, logger, db } = deps;
  const app = express();
  app.set('trust proxy', config.TRUST_PROXY);
  app.set('views', path.join(PROJECT_ROOT, 'views'));
  app.set('view engine', 'ejs');
  app.disable('x-powered-by');

  app.use(requestLogging(logger));
  app.use(securityHeaders(config.isProduction));
  app.use('/static', express.static(path.join(PROJECT_ROOT, 'public'), { maxAge: config.isProduction ? '7d' : 0, index: false }));
  app.use(healthRoutes(deps.readiness ?? { isPrepared: () => true, isReady: () => db.isReady(), isShuttingDown: () => false }));

  // Each signer gets its own key derived from SESSION_SECRET (secret-keys.ts); the signed cookie here is the device cookie.
  app.use(cookieParser(purposeKey(config.SESSION_SECRET, 'device-cookie')));
  app.use(language(config.isProduction));

  const models = createModels(db.connection);
  const clock = deps.clock ?? (() => new Date());
  const instance = deps.instance ?? createInstance(db.connection, logger);
  // Takes stored answers and admin changes into figures and lists (src/projector/): no timer, no I/O until used.
  const { projector } = instance;
  const catalog = new SurveyCatalog(models.Survey);
  const salt = saltProvider(models.Setting);
  const resolver = new LinkResolver(models);
  // The public forms first: they take the bursts (a QR code at a meeting), and each router passed costs a little.
  const forms = publicFormRoutes({
    config,
    models,
    catalog,
    links: resolver,
    salt,
    clock,
    projector,
    responses: instance.responses,
    views: instance.views,
    limits: deps.limits,
  });
  app.use(forms.router);
  // The blank form page, the one request that comes in bursts, is answered ahead of express when it can be.
  serveFirst(
    app,
    formPageFastPath({
      pages: forms.pages,
      securityHeaders: securityHeaderList(config.isProduction),
      trustProxy: app.get('trust proxy fn') as (address: string, hop: number) => boolean,
      logger,
      clock,
    }),
  );
  app.use(homeRoutes());
  // The public results: no session, so mounted before the sessions are (no cookie is ever set on them).
  app.use(publicResultsRoutes({ models, catalog, projector, clock, smallCellK: config.SMALL_CELL_K, limits: deps.limits }));
  app.use(qrRoutes({ Link: models.Link, publicBaseUrl: config.PUBLIC_BASE_URL, limits: deps.limits }));

  // Admin side and API: database sessions, timeouts, CSRF on every state-changing admin request.
  const limits = { idleMs: config.SESSION_IDLE_MINUTES * 60_000, absoluteMs: config.SESSION_MAX_HOURS * 3600_000 };
  app.use(
    ['/admin', '/api'],
    sessions(db.connection, { secret: purposeKey(config.SESSION_SECRET, 'session-cookie'), secure: config.isProduction, idleMs: limits.idleMs }),
  );
  app.use(['/admin', '/api'], loadSessionUser(models, clock, limits));
  app.use(
    '/admin',
    express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 200 }),
    csrfProtection({ key: purposeKey(config.SESSION_SECRET, 'anonymous-csrf'), secure: config.isProduction }),
  );
  app.use(authRoutes({ models, config, clock, salt }));
  app.use(passwordResetRoutes({ models, clock, salt }));
  app.use(invitationRoutes({ models, clock }));
  app.use(dossierApiRoutes({ models, clock, projector, smallCellK: config.SMALL_CELL_K }));
  app.use(apiRoutes({ models, catalog, clock, projector, publicBaseUrl: config.PUBLIC_BASE_URL, smallCellK: config.SMALL_CELL_K }));
  app.use('/admin', requireUser);
  app.use('/admin', requirePasswordChange);
  app.use(passwordRoutes({ models, clock, salt }));
  app.use(adminRoutes({ models, catalog, clock, config, projector }));
  app.use(exportRoutes({ models, catalog, clock, projector, smallCellK: config.SMALL_CELL_K }));
  app.use(reviewRoutes({ models, clock, projector }));
  app.use(linkAdminRoutes({ models, catalog, resolver, clock, config }));
  app.use(settingsRoutes({ models, clock }));
  app.use(publicationRoutes({ models, clock }));
  app.use(dossierAdminRoutes({ models, clock, salt, projector, smallCellK: config.SMALL_CELL_K }));
  const delivery = {
    models,
    catalog,
    projector,
    mailer: deps.mailer ?? createMailer(config.SMTP_URL, logger),
    logger,
    mailFrom: config.MAIL_FROM,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    smallCellK: config.SMALL_CELL_K,
  };
  const accountMail = { mailer: delivery.mailer, smtpConfigured: Boolean(config.SMTP_URL), mailFrom: config.MAIL_FROM, publicBaseUrl: config.PUBLIC_BASE_URL };
  app.use(directoryRoutes({ models, clock, projector, logger, invites: accountMail }));
  app.use(surveyAdminRoutes({ models, catalog, clock }));
  app.use(caseRoutes({ models, clock, projector, reply: { mailer: delivery.mailer, mailFrom: config.MAIL_FROM, logger } }));
  app.use(reportAdminRoutes(delivery, clock));
  app.use(resetLinkRoutes({ models, clock, ...accountMail }));

  app.use(notFound);
  app.use(errorHandler);
  return app;
}
