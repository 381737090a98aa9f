import { caseModel } from './cases/case.model';
import { dossierImportLogModel } from './dossiers/dossier-import-log.model';
import type { Connection } from 'mongoose';
import { apiTokenModel, auditModel, loginThrottleModel, userModel } from './access/access.models';
import { loginLeaseModel } from './access/login-lease';
import { invitationModel } from './access/invitations';
import { passwordResetModel } from './access/password-reset';
import { targetModel } from './stats/target.model';
import { claimModel } from './data/claims';
import { outboxModel, subscriptionModel } from './reports/report.models';
import { linkModel } from './links/link.model';
import { responseModel } from './responses/response.model';
import { figureModel, viewTotalModel } from './figures/figure.model';
import { contactModel, dossierClaimModel, linkViewModel } from './responses/side-records.model';
import { dossierModel } from './dossiers/dossier.model';
import { dossierFigureModel } from './dossiers/dossier-figure.model';
import { publishedUnitModel } from './public/published-units';
import { settingModel } from './settings.model';
import { surveyModel } from './surveys/survey.model';
import { unitModel } from './units/unit.model';

/** Every model, registered on one connection (each test file has its own). */
export function createModels(connection: Connection) {
  return {
    Unit: unitModel(connection),
    Survey: surveyModel(connection),
    Link: linkModel(connection),
    Response: responseModel(connection),
    Figure: figureModel(connection),
    ViewTotal: viewTotalModel(connection),
    DossierClaim: dossierClaimModel(connection),
    /** TTHC dossiers imported from the one-stop system (dossiers/) */
    Dossier: dossierModel(connection),
    DossierFigure: dossierFigureModel(connection),
    DossierImportLog: dossierImportLogModel(connection),
    /** follow-up cases of low ratings with contact consent (cases/) */
    Case: caseModel(connection),
    Contact: contactModel(connection),
    LinkView: linkViewModel(connection),
    Setting: settingModel(connection),
    User: userModel(connection),
    Audit: auditModel(connection),
    LoginThrottle: loginThrottleModel(connection),
    LoginLease: loginLeaseModel(connection),
    PasswordReset: passwordResetModel(connection),
    Invitation: invitationModel(connection),
    ApiToken: apiTokenModel(connection),
    Target: targetModel(connection),
    Claim: claimModel(connection),
    Subscription: subscriptionModel(connection),
    Outbox: outboxModel(connection),
    /** the units whose figures the public may see (public/) */
    PublishedUnit: publishedUnitModel(connection),
  };
}

export type Models = ReturnType<typeof createModels>;

/** Builds the indexes (unique ones enforce exactly-once behaviour, so they must exist before traffic). */
export async function ensureIndexes(models: Models): Promise<void> {
  for (const model of Object.values(models)) await model.init();
}
