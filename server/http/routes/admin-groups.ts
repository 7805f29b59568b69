import type { Request } from 'express';
import { ValidationError, isAppError, type FieldIssue } from '../../errors';
import { en } from '../../i18n/en';
import {
  accountForm,
  findPersonQuery,
  groupForm,
  groupInputFromForm,
  idParams,
  rolesForm,
  siteDocumentForm,
} from '../../schemas/groups-forms';
import { DEFAULT_BUSINESS_HOURS } from '../../schemas/groups';
import { defineRoute } from '../define-route';

/** Administrators' pages: groups (create, edit), people and roles per group, site documents. */

function flash(req: Request, kind: 'info' | 'error' | 'success', text: string): void {
  req.session.flash = [...(req.session.flash ?? []), { kind, text }];
}

/** Form errors a person can fix on the same page (bad fields, a taken slug or address). */
function formIssues(error: unknown): FieldIssue[] | null {
  if (error instanceof ValidationError) return error.issues;
  if (isAppError(error) && error.code === 'conflict')
    return [{ path: 'form', message: error.message }];
  return null;
}

const emptyGroup = {
  slug: '',
  name: '',
  description: '',
  howToJoin: '',
  disclaimer: '',
  hidden: false,
  rules: [],
  questions: [],
  businessHours: DEFAULT_BUSINESS_HOURS,
  settings: { minimumAge: 18 },
  complaintsProcess: '',
  complaintsContact: '',
};

export const adminGroupRoutes = [
  defineRoute({
    method: 'get',
    path: '/admin/groups',
    access: 'admin',
    kind: 'page',
    async handle({ actor, services, res }) {
      const groups = await services.groups.listGroups(actor!);
      res.render('pages/admin/groups', { title: en.adminGroups.title, groups });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/admin/groups/new',
    access: 'admin',
    kind: 'page',
    async handle({ res }) {
      res.render('pages/admin/group-form', {
        title: en.adminGroups.createTitle,
        group: emptyGroup,
        action: '/admin/groups',
        issues: [],
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/admin/groups',
    access: 'admin',
    kind: 'page',
    body: groupForm,
    async handle({ actor, body, services, req, res }) {
      const input = groupInputFromForm(body);
      try {
        const group = await services.groups.createGroup(actor!, input);
        flash(req, 'success', en.adminGroups.created);
        res.redirect(303, `/admin/groups/${String(group._id)}/edit`);
      } catch (error) {
        const issues = formIssues(error);
        if (!issues) throw error;
        res.status(422).render('pages/admin/group-form', {
          title: en.adminGroups.createTitle,
          group: { ...emptyGroup, ...input, settings: { minimumAge: input.minimumAge } },
          action: '/admin/groups',
          issues,
        });
      }
    },
  }),

  defineRoute({
    method: 'get',
    path: '/admin/groups/:id/edit',
    access: 'admin',
    kind: 'page',
    params: idParams,
    async handle({ actor, params, services, res }) {
      const group = await services.groups.getGroupForEdit(actor!, params.id);
      res.render('pages/admin/group-form', {
        title: en.adminGroups.editTitle(group.name),
        group,
        groupId: params.id,
        action: `/admin/groups/${params.id}`,
        issues: [],
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/admin/groups/:id',
    access: 'admin',
    kind: 'page',
    params: idParams,
    body: groupForm,
    async handle({ actor, params, body, services, req, res }) {
      const input = groupInputFromForm(body);
      try {
        await services.groups.updateGroup(actor!, params.id, input);
        flash(req, 'success', en.adminGroups.saved);
        res.redirect(303, `/admin/groups/${params.id}/edit`);
      } catch (error) {
        const issues = formIssues(error);
        if (!issues) throw error;
        res.status(422).render('pages/admin/group-form', {
          title: en.adminGroups.editTitle(input.name),
          group: { ...emptyGroup, ...input, settings: { minimumAge: input.minimumAge } },
          groupId: params.id,
          action: `/admin/groups/${params.id}`,
          issues,
        });
      }
    },
  }),

  defineRoute({
    method: 'get',
    path: '/admin/groups/:id/roles',
    access: 'admin',
    kind: 'page',
    params: idParams,
    query: findPersonQuery,
    async handle({ actor, params, query, services, res }) {
      const { group, people } = await services.groups.listGroupPeople(actor!, params.id);
      let found: { userId: string; displayName: string } | null = null;
      let searched = false;
      let issues: FieldIssue[] = [];
      if (query.email) {
        searched = true;
        try {
          found = await services.groups.findPersonByEmail(actor!, query.email);
        } catch (error) {
          const f = formIssues(error);
          if (!f) throw error;
          issues = f;
        }
      }
      if (!query.email && query.person) {
        found = await services.groups.findPersonById(actor!, query.person).catch(() => null);
      }
      const foundRoles = found ? (people.find((p) => p.userId === found?.userId)?.roles ?? []) : [];
      res.render('pages/admin/roles', {
        title: en.adminGroups.rolesTitle(group.name),
        group: { id: params.id, name: group.name, slug: group.slug },
        people,
        found,
        foundRoles,
        searched,
        issues,
        values: {},
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/admin/groups/:id/roles',
    access: 'admin',
    kind: 'page',
    params: idParams,
    body: rolesForm,
    async handle({ actor, params, body, services, req, res }) {
      await services.groups.setRoles(actor!, params.id, { userId: body.userId, roles: body.roles });
      flash(req, 'success', en.adminGroups.rolesSaved);
      res.redirect(303, `/admin/groups/${params.id}/roles`);
    },
  }),

  defineRoute({
    method: 'post',
    path: '/admin/groups/:id/accounts',
    access: 'admin',
    kind: 'page',
    params: idParams,
    body: accountForm,
    async handle({ actor, params, body, services, req, res }) {
      try {
        const created = await services.groups.createAccountFor(actor!, body);
        flash(req, 'success', en.adminGroups.accountCreated);
        // Straight on to the roles for the person just created.
        res.redirect(303, `/admin/groups/${params.id}/roles?person=${created.userId}`);
      } catch (error) {
        const issues = formIssues(error);
        if (!issues) throw error;
        const { group, people } = await services.groups.listGroupPeople(actor!, params.id);
        res.status(422).render('pages/admin/roles', {
          title: en.adminGroups.rolesTitle(group.name),
          group: { id: params.id, name: group.name, slug: group.slug },
          people,
          found: null,
          foundRoles: [],
          searched: false,
          issues,
          values: { email: body.email, displayName: body.displayName },
        });
      }
    },
  }),

  defineRoute({
    method: 'get',
    path: '/admin/audit',
    access: 'admin',
    kind: 'page',
    async handle({ actor, services, res }) {
      const overview = await services.audit.auditOverview(actor!);
      res.render('pages/admin/audit', { title: en.audit.title, ...overview });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/admin/documents',
    access: 'admin',
    kind: 'page',
    async handle({ services, res }) {
      const documents = await services.consent.siteDocuments();
      res.render('pages/admin/documents', { title: en.documents.siteTitle, documents, issues: [] });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/admin/documents',
    access: 'admin',
    kind: 'page',
    body: siteDocumentForm,
    async handle({ actor, body, services, req, res }) {
      try {
        await services.consent.publishSiteDocument(actor!, body);
      } catch (error) {
        const issues = formIssues(error);
        if (!issues) throw error;
        const documents = await services.consent.siteDocuments();
        return res
          .status(422)
          .render('pages/admin/documents', { title: en.documents.siteTitle, documents, issues });
      }
      flash(req, 'success', en.documents.publishedDone);
      res.redirect(303, '/admin/documents');
    },
  }),
];
