import { OutboxEmail } from '../../../models';
import { en } from '../../i18n/en';
import { appKit } from '../app-kit';
import { defineRoute } from '../define-route';

export const adminRoutes = [
  defineRoute({
    method: 'get',
    path: '/admin',
    access: 'admin',
    kind: 'page',
    async handle({ req, res }) {
      res.render('pages/admin/index', {
        title: en.admin.title,
        outbox: !appKit(req.app).deps.config.smtpUrl,
      });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/admin/outbox',
    access: 'admin',
    kind: 'page',
    async handle({ res }) {
      const emails = await OutboxEmail.find().sort({ createdAt: -1 }).limit(100).lean();
      res.render('pages/admin/outbox', {
        title: en.admin.outbox,
        emails: emails.map((e) => ({
          id: String(e._id),
          to: e.to,
          subject: e.subject,
          text: e.text,
          createdAt: e.createdAt.toISOString(),
        })),
      });
    },
  }),
];
