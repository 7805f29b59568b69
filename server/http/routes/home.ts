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
      res.render('pages/home', { title: en.home.title, groups });
    },
  }),
];
