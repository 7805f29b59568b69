import { en } from '../../i18n/en';
import { defineRoute } from '../define-route';

export const homeRoutes = [
  defineRoute({
    method: 'get',
    path: '/',
    access: 'public',
    kind: 'page',
    async handle({ actor, services, req, res }) {
      if (req.user && !actor) {
        // Signed in but the second factor is still owed: finish that first.
        return res.redirect(303, req.user.totpEnabled ? '/login/code' : '/account/two-factor');
      }
      const groups = actor ? await services.myGroups.listMyGroups(actor) : [];
      // Unread approved posts per group (the member's read marker against the group's sequence).
      const unread = actor ? await services.posts.unreadCounts(actor) : [];
      const unreadBySlug = Object.fromEntries(unread.map((u) => [u.slug, u.unread]));
      res.render('pages/home', { title: en.home.title, groups, unreadBySlug });
    },
  }),
];
