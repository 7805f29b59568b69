import type { Visitor } from '../../server/context';
import type { Services } from '../../server/services';
import type { RedeemResult } from '../../server/services/invitations';
import type { RecordingMailer } from './deps';

const visitor: Visitor = { kind: 'visitor', requestId: 'test-newcomer' };

/** The confirmation link's token from the last sign-up e-mail sent to this address. */
export function confirmationToken(mailer: RecordingMailer, email: string): string {
  const mail = mailer.sent.filter((m) => m.to === email.toLowerCase()).at(-1);
  const token = /\/invitations\/confirm\/([A-Za-z0-9_-]{43})/.exec(mail?.text ?? '')?.[1];
  if (!token) throw new Error('no confirmation link was sent');
  return token;
}

/**
 * A newcomer's whole way in with an invitation: the form (which only e-mails a link), then the
 * link from that e-mail, which makes the account and the membership.
 */
export async function joinAsNewcomer(
  services: Services,
  mailer: RecordingMailer,
  token: string,
  input: { newAccount: { email: string; displayName: string; password: string } } & Record<
    string,
    unknown
  >,
): Promise<RedeemResult> {
  await services.invitationSignup.requestSignup(visitor, token, input);
  return services.invitationSignup.confirmSignup(confirmationToken(mailer, input.newAccount.email));
}
