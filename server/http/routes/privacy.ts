import { NOTIFICATION_KINDS, type EmailMode } from '../../../models';
import { en } from '../../i18n/en';
import {
  adminEraseBody,
  adminMemorialBody,
  deleteAccountBody,
  exportDownloadParams,
  notificationSettingsBody,
} from '../../schemas/privacy';
import { runRetention, scheduledJobStatus } from '../../services/retention';
import { appKit } from '../app-kit';
import { defineRoute } from '../define-route';
import { destroySession, pushFlash } from '../middleware/auth';

/** Notification settings, the member's data (export, deletion), and administrators' tools. */
export const privacyRoutes = [
  defineRoute({
    method: 'get',
    path: '/me/notifications/settings',
    access: 'user',
    kind: 'page',
    async handle({ actor, services, res }) {
      const prefs = await services.notificationSettings.getNotificationSettings(actor!);
      res.render('pages/privacy/notification-settings', {
        title: en.notificationSettings.title,
        kinds: NOTIFICATION_KINDS,
        prefs,
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/me/notifications/settings',
    access: 'user',
    kind: 'page',
    body: notificationSettingsBody,
    async handle({ actor, services, body, req, res }) {
      const values = body as Record<string, string | undefined>;
      const inApp: Record<string, boolean> = {};
      const email: Record<string, EmailMode> = {};
      for (const kind of NOTIFICATION_KINDS) {
        inApp[kind] = values[`inApp_${kind}`] === 'on';
        email[kind] = (values[`email_${kind}`] as EmailMode | undefined) ?? 'off';
      }
      await services.notificationSettings.updateNotificationSettings(actor!, {
        inApp,
        email,
        mention: values.mention === 'group' ? 'group' : 'nothing',
      });
      pushFlash(req, 'success', en.notificationSettings.saved);
      res.redirect(303, '/me/notifications/settings');
    },
  }),

  defineRoute({
    method: 'get',
    path: '/me/data',
    access: 'user',
    kind: 'page',
    async handle({ actor, services, res }) {
      const job = await services.dataExport.latestExport(actor!);
      // While the copy is prepared the page refreshes itself (no script needed).
      if (job && (job.status === 'queued' || job.status === 'running')) {
        res.setHeader('Refresh', '3');
      }
      res.render('pages/privacy/data', { title: en.dataRights.title, job, issues: [] });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/me/data/export',
    access: 'user',
    kind: 'page',
    rateLimit: 'mail',
    async handle({ actor, services, req, res }) {
      const { done } = await services.dataExport.requestExport(actor!);
      // The job runs in the background; failures are recorded on the job itself.
      void done;
      pushFlash(req, 'info', en.dataRights.exportQueued);
      res.redirect(303, '/me/data');
    },
  }),

  defineRoute({
    method: 'get',
    path: '/me/data/export/:id/:format',
    access: 'user',
    kind: 'page',
    params: exportDownloadParams,
    async handle({ actor, services, params, res }) {
      const content = await services.dataExport.downloadExport(actor!, params);
      const type = params.format === 'json' ? 'application/json' : 'text/html';
      res.setHeader('Content-Type', `${type}; charset=utf-8`);
      res.setHeader(
        'Content-Disposition',
        `attachment; filename="harbour-data.${params.format === 'json' ? 'json' : 'html'}"`,
      );
      res.send(content);
    },
  }),

  defineRoute({
    method: 'post',
    path: '/me/delete',
    access: 'user',
    kind: 'page',
    rateLimit: 'login',
    body: deleteAccountBody,
    async handle({ actor, services, body, req, res }) {
      await services.erasure.deleteOwnAccount(actor!, body);
      await destroySession(req);
      res.render('pages/privacy/deleted', {
        title: en.dataRights.deleteTitle,
        viewer: null,
        signedIn: false,
      });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/admin/accounts',
    access: 'admin',
    kind: 'page',
    async handle({ res }) {
      res.render('pages/privacy/admin-accounts', {
        title: en.adminAccounts.title,
        jobs: await scheduledJobStatus(),
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/admin/accounts/erase',
    access: 'admin',
    kind: 'page',
    body: adminEraseBody,
    async handle({ actor, services, body, req, res }) {
      await services.erasure.adminEraseAccount(actor!, body);
      pushFlash(req, 'success', en.adminAccounts.erased);
      res.redirect(303, '/admin/accounts');
    },
  }),

  defineRoute({
    method: 'post',
    path: '/admin/accounts/memorial',
    access: 'admin',
    kind: 'page',
    body: adminMemorialBody,
    async handle({ actor, services, body, req, res }) {
      await services.erasure.memorialiseAccount(actor!, body);
      pushFlash(req, 'success', en.adminAccounts.memorialised);
      res.redirect(303, '/admin/accounts');
    },
  }),

  defineRoute({
    method: 'post',
    path: '/admin/retention/run',
    access: 'admin',
    kind: 'page',
    async handle({ req, res }) {
      await runRetention(appKit(req.app).deps);
      res.redirect(303, '/admin/accounts');
    },
  }),
];
