import type { Request, Response } from 'express';
import { ValidationError, isAppError, type FieldIssue } from '../../errors';
import { en } from '../../i18n/en';
import type { Services } from '../../services';
import { InvitationInvalidError } from '../../services/invitations';
import {
  acceptForm,
  declineForm,
  groupDocumentForm,
  invitationForm,
  joinRequestForm,
  redeemForm,
  removeForm,
  rulesFromForm,
  slugIdParams,
  slugParams,
  tokenParams,
} from '../../schemas/groups-forms';
import type { Actor } from '../../context';
import { defineRoute } from '../define-route';

/**
 * Group pages: the public page (the only indexable one), invitation redemption, and the member,
 * advocate and moderator pages inside a group. Every inside page goes through a service that
 * answers 404 to anyone who may not see the group.
 */

function flash(req: Request, kind: 'info' | 'error' | 'success', text: string): void {
  // The foundation's session carries flash messages to the next page (our own words only).
  req.session.flash = [...(req.session.flash ?? []), { kind, text }];
}

function issuesOf(error: unknown): FieldIssue[] | null {
  return error instanceof ValidationError ? error.issues : null;
}

/** Member pages share the banner and the group's links. */
async function memberPage(
  services: Services,
  actor: Actor,
  slug: string,
  res: Response,
  view: string,
  locals: Record<string, unknown>,
  status = 200,
): Promise<void> {
  const ctx = await services.memberships.viewerContext(actor, slug);
  res.status(status).render(view, { ctx, ...locals });
}

export const groupRoutes = [
  defineRoute({
    method: 'get',
    path: '/g/:slug',
    access: 'public',
    kind: 'page',
    params: slugParams,
    async handle({ caller, params, services, res }) {
      const group = await services.groups.getPublicGroup(caller, params.slug);
      const ctx = await services.memberships.optionalViewerContext(caller, params.slug);
      res.locals.indexable = true;
      res.render('pages/groups/public', { title: group.name, group, ctx, issues: [], values: {} });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug',
    access: 'public',
    kind: 'page',
    rateLimit: 'join_request',
    params: slugParams,
    body: joinRequestForm,
    async handle({ caller, params, body, services, res }) {
      const group = await services.groups.getPublicGroup(caller, params.slug);
      const answers = body.questionId.map((questionId, i) => ({
        questionId,
        answer: body.answer[i] ?? '',
      }));
      try {
        await services.joinRequests.submitJoinRequest(caller, params.slug, {
          email: body.email,
          answers,
          confirmAge: body.confirmAge,
        });
      } catch (error) {
        const issues = issuesOf(error);
        if (!issues) throw error;
        return res.status(422).render('pages/groups/public', {
          title: group.name,
          group,
          ctx: null,
          issues,
          values: {
            email: body.email,
            answers: Object.fromEntries(answers.map((a) => [a.questionId, a.answer])),
          },
        });
      }
      res.render('pages/groups/request-sent', { title: group.name, group });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/invitations/:token',
    access: 'public',
    kind: 'page',
    rateLimit: 'redeem',
    params: tokenParams,
    async handle({ caller, actor, params, services, req, res }) {
      try {
        const preview = await services.invitations.previewInvitation(caller, params.token);
        if (preview.alreadyMember) {
          flash(req, 'info', en.invitations.alreadyMember);
          return res.redirect(303, `/g/${preview.group.slug}`);
        }
        if (!actor) req.session.returnTo = `/invitations/${params.token}`;
        res.render('pages/invitations/redeem', {
          title: en.invitations.redeemTitle(preview.group.name),
          preview,
          token: params.token,
          issues: [],
          values: {},
        });
      } catch (error) {
        if (error instanceof InvitationInvalidError) return renderInvalid(res);
        throw error;
      }
    },
  }),

  defineRoute({
    method: 'post',
    path: '/invitations/:token',
    access: 'public',
    kind: 'page',
    rateLimit: 'redeem',
    params: tokenParams,
    body: redeemForm,
    async handle({ actor, params, body, services, req, res }) {
      const input = {
        confirmAge: body.confirmAge,
        accepted: body.accept,
        newAccount: actor
          ? undefined
          : {
              email: body.email ?? '',
              displayName: body.displayName ?? '',
              password: body.password ?? '',
            },
      };
      try {
        if (!actor) {
          // Someone new: the same "check your e-mail" answer whether or not the address is
          // registered (see services/invitation-signup.ts).
          await services.invitationSignup.requestSignup(
            { kind: 'visitor', requestId: req.id, ip: req.ip },
            params.token,
            input,
          );
          return res.render('pages/invitations/check-email', {
            title: en.signup.checkTitle,
            email: input.newAccount?.email.trim().toLowerCase() ?? '',
          });
        }
        const result = await services.invitations.redeemInvitation(actor, params.token, input);
        if (result.alreadyMember) {
          flash(req, 'info', en.invitations.alreadyMember);
        } else {
          flash(req, 'success', en.invitations.joined(result.group.name));
        }
        res.redirect(303, `/g/${result.group.slug}`);
      } catch (error) {
        if (error instanceof InvitationInvalidError) return renderInvalid(res);
        const issues = issuesOf(error);
        if (!issues) throw error;
        const preview = await services.invitations
          .previewInvitation(actor ?? { kind: 'visitor', requestId: req.id }, params.token)
          .catch(() => null);
        if (!preview) return renderInvalid(res);
        res.status(422).render('pages/invitations/redeem', {
          title: en.invitations.redeemTitle(preview.group.name),
          preview,
          token: params.token,
          issues,
          values: {
            email: body.email ?? '',
            displayName: body.displayName ?? '',
            accept: body.accept,
          },
        });
      }
    },
  }),

  defineRoute({
    method: 'get',
    path: '/invitations/confirm/:token',
    access: 'public',
    kind: 'page',
    rateLimit: 'redeem',
    params: tokenParams,
    async handle({ params, services, res }) {
      try {
        const { groupName } = await services.invitationSignup.previewSignup(params.token);
        // The page carries the link's token: never kept by a cache.
        res.set('Cache-Control', 'no-store');
        res.render('pages/invitations/confirm', {
          title: en.signup.confirmTitle,
          groupName,
          token: params.token,
        });
      } catch (error) {
        if (error instanceof InvitationInvalidError) return renderInvalid(res);
        throw error;
      }
    },
  }),

  // A button, not the link itself: mail scanners that open links must not spend it.
  defineRoute({
    method: 'post',
    path: '/invitations/confirm/:token',
    access: 'public',
    kind: 'page',
    rateLimit: 'redeem',
    params: tokenParams,
    async handle({ params, services, req, res }) {
      try {
        const result = await services.invitationSignup.confirmSignup(params.token);
        flash(req, 'success', en.invitations.joined(result.group.name));
        // The new person signs in with the password they chose, then lands in the group.
        req.session.returnTo = `/g/${result.group.slug}`;
        flash(req, 'info', en.invitations.signInNow);
        res.redirect(303, '/login');
      } catch (error) {
        if (error instanceof InvitationInvalidError) return renderInvalid(res);
        throw error;
      }
    },
  }),

  defineRoute({
    method: 'get',
    path: '/g/:slug/members',
    access: 'user',
    kind: 'page',
    params: slugParams,
    async handle({ actor, params, services, res }) {
      const members = await services.memberships.listMembers(actor!, params.slug);
      await memberPage(services, actor!, params.slug, res, 'pages/groups/members', {
        title: en.groups.membersTitle,
        members,
        issues: [],
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/members/remove',
    access: 'user',
    kind: 'page',
    params: slugParams,
    body: removeForm,
    async handle({ actor, params, body, services, req, res }) {
      try {
        await services.memberships.removeMember(actor!, params.slug, body);
      } catch (error) {
        const issues = issuesOf(error);
        if (!issues) throw error;
        const members = await services.memberships.listMembers(actor!, params.slug);
        return memberPage(
          services,
          actor!,
          params.slug,
          res,
          'pages/groups/members',
          {
            title: en.groups.membersTitle,
            members,
            issues,
          },
          422,
        );
      }
      flash(req, 'success', en.groups.removedDone);
      res.redirect(303, `/g/${params.slug}/members`);
    },
  }),

  defineRoute({
    method: 'get',
    path: '/g/:slug/leave',
    access: 'user',
    kind: 'page',
    params: slugParams,
    async handle({ actor, params, services, res }) {
      await memberPage(services, actor!, params.slug, res, 'pages/groups/leave', {
        title: en.groups.leaveTitle,
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/leave',
    access: 'user',
    kind: 'page',
    params: slugParams,
    async handle({ actor, params, services, req, res }) {
      const { name } = await services.memberships.leaveGroup(actor!, params.slug);
      flash(req, 'success', en.groups.leftDone(name));
      res.redirect(303, '/');
    },
  }),

  defineRoute({
    method: 'get',
    path: '/g/:slug/accept',
    access: 'user',
    kind: 'page',
    params: slugParams,
    async handle({ actor, params, services, res }) {
      const { documents } = await services.consent.pendingDocuments(actor!, params.slug);
      await memberPage(services, actor!, params.slug, res, 'pages/groups/accept', {
        title: en.documents.acceptTitle,
        documents,
        issues: [],
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/accept',
    access: 'user',
    kind: 'page',
    params: slugParams,
    body: acceptForm,
    async handle({ actor, params, body, services, req, res }) {
      const { documents } = await services.consent.pendingDocuments(actor!, params.slug);
      const missing = documents.filter((d) => !body.accept.includes(d.kind));
      if (missing.length > 0 || body.accept.length === 0) {
        return memberPage(
          services,
          actor!,
          params.slug,
          res,
          'pages/groups/accept',
          {
            title: en.documents.acceptTitle,
            documents,
            issues: [{ path: 'accept', message: en.invitations.mustAccept }],
          },
          422,
        );
      }
      await services.consent.acceptDocuments(actor!, params.slug, { accepted: body.accept });
      flash(req, 'success', en.documents.acceptedDone);
      res.redirect(303, `/g/${params.slug}`);
    },
  }),

  defineRoute({
    method: 'get',
    path: '/g/:slug/invitations',
    access: 'user',
    kind: 'page',
    params: slugParams,
    async handle({ actor, params, services, res }) {
      const invitations = await services.invitations.listInvitations(actor!, params.slug);
      await memberPage(services, actor!, params.slug, res, 'pages/groups/invitations', {
        title: en.invitations.title,
        invitations,
        created: null,
        issues: [],
        values: {},
        maxDays: services.deps.config.invitationMaxDays,
        defaultDays: services.deps.config.invitationDefaultDays,
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/invitations',
    access: 'user',
    kind: 'page',
    params: slugParams,
    body: invitationForm,
    async handle({ actor, params, body, services, res }) {
      const input =
        body.kind === 'email'
          ? { kind: 'email' as const, email: body.email, days: body.days || undefined }
          : { kind: 'link' as const, maxUses: body.maxUses, days: body.days || undefined };
      let created: { url: string; kind: string } | null = null;
      let issues: FieldIssue[] = [];
      try {
        const result = await services.invitations.createInvitation(actor!, params.slug, input);
        created = { url: result.url, kind: result.invitation.kind };
      } catch (error) {
        const found = issuesOf(error);
        if (!found) throw error;
        issues = found;
      }
      const invitations = await services.invitations.listInvitations(actor!, params.slug);
      // The link is rendered in this response only: it is never stored or shown again.
      res.set('Cache-Control', 'no-store');
      await memberPage(
        services,
        actor!,
        params.slug,
        res,
        'pages/groups/invitations',
        {
          title: en.invitations.title,
          invitations,
          created,
          issues,
          values: issues.length ? body : {},
          maxDays: services.deps.config.invitationMaxDays,
          defaultDays: services.deps.config.invitationDefaultDays,
        },
        issues.length ? 422 : 201,
      );
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/invitations/:id/revoke',
    access: 'user',
    kind: 'page',
    params: slugIdParams,
    async handle({ actor, params, services, req, res }) {
      await services.invitations.revokeInvitation(actor!, params.slug, params.id);
      flash(req, 'success', en.invitations.revokedDone);
      res.redirect(303, `/g/${params.slug}/invitations`);
    },
  }),

  defineRoute({
    method: 'get',
    path: '/g/:slug/requests',
    access: 'user',
    kind: 'page',
    params: slugParams,
    async handle({ actor, params, services, res }) {
      const requests = await services.joinRequests.listJoinRequests(actor!, params.slug);
      await memberPage(services, actor!, params.slug, res, 'pages/groups/requests', {
        title: en.joinRequests.title,
        requests,
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/requests/:id/approve',
    access: 'user',
    kind: 'page',
    params: slugIdParams,
    async handle({ actor, params, services, req, res }) {
      await decide(
        req,
        () => services.joinRequests.approveJoinRequest(actor!, params.slug, params.id),
        en.joinRequests.approvedDone,
      );
      res.redirect(303, `/g/${params.slug}/requests`);
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/requests/:id/decline',
    access: 'user',
    kind: 'page',
    params: slugIdParams,
    body: declineForm,
    async handle({ actor, params, body, services, req, res }) {
      await decide(
        req,
        () => services.joinRequests.declineJoinRequest(actor!, params.slug, params.id, body),
        en.joinRequests.declinedDone,
      );
      res.redirect(303, `/g/${params.slug}/requests`);
    },
  }),

  defineRoute({
    method: 'get',
    path: '/g/:slug/documents',
    access: 'user',
    kind: 'page',
    params: slugParams,
    async handle({ actor, params, services, res }) {
      const editable = await services.consent.groupDocumentsForModerator(actor!, params.slug);
      await memberPage(services, actor!, params.slug, res, 'pages/groups/documents', {
        title: en.documents.groupDocumentsTitle,
        editable,
        issues: [],
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/documents',
    access: 'user',
    kind: 'page',
    params: slugParams,
    body: groupDocumentForm,
    async handle({ actor, params, body, services, req, res }) {
      const input =
        body.kind === 'rules'
          ? {
              kind: 'rules' as const,
              rules: rulesFromForm(body),
              changeSummary: body.changeSummary,
            }
          : {
              kind: 'disclaimer' as const,
              disclaimer: body.disclaimer,
              changeSummary: body.changeSummary,
            };
      try {
        await services.consent.publishGroupDocument(actor!, params.slug, input);
      } catch (error) {
        const issues = issuesOf(error);
        if (!issues) throw error;
        const editable = await services.consent.groupDocumentsForModerator(actor!, params.slug);
        return memberPage(
          services,
          actor!,
          params.slug,
          res,
          'pages/groups/documents',
          {
            title: en.documents.groupDocumentsTitle,
            editable,
            issues,
          },
          422,
        );
      }
      flash(req, 'success', en.documents.publishedDone);
      res.redirect(303, `/g/${params.slug}/documents`);
    },
  }),
];

/** A decision someone else already made is a notice, not an error page. */
async function decide(req: Request, fn: () => Promise<void>, done: string): Promise<void> {
  try {
    await fn();
    flash(req, 'success', done);
  } catch (error) {
    if (isAppError(error) && error.code === 'conflict') {
      flash(req, 'info', en.joinRequests.alreadyDecided);
      return;
    }
    throw error;
  }
}

function renderInvalid(res: Response): void {
  // One page, one status, for every way an invitation can fail.
  res.status(404).render('pages/invitations/invalid', { title: en.invitations.invalidTitle });
}
