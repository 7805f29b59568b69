import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import { OutboxEmail } from '../models';
import type { Clock } from './clock';
import type { Config } from './config';
import type { Deps, Mailer, OutgoingEmail } from './deps';

/**
 * With SMTP_URL, e-mail goes out through nodemailer. Without it (development, a first try-out),
 * it lands in the outbox collection, which administrators read at /admin/outbox.
 */
export function createMailer(config: Config, clock: Clock, log: Logger): Mailer {
  if (config.smtpUrl) {
    const transport = nodemailer.createTransport(config.smtpUrl);
    return {
      async send(email: OutgoingEmail) {
        const info = await transport.sendMail({
          from: config.mailFrom,
          to: email.to,
          subject: email.subject,
          text: email.text,
        });
        log.info({ messageId: info.messageId }, 'mail sent');
      },
    };
  }
  return {
    async send(email: OutgoingEmail) {
      const saved = await OutboxEmail.create({ ...email, createdAt: clock.now() });
      log.info({ outboxId: String(saved._id) }, 'mail stored in the development outbox');
    },
  };
}

/**
 * Hands an e-mail to the mailer without waiting for delivery: SMTP can take seconds, and answers
 * that must not tell whether an address is known must not wait on it. What the request stored
 * stays stored; a failed delivery is logged (without the address).
 */
export function queueMail(deps: Deps, email: OutgoingEmail, kind: string): void {
  void deps.mailer.send(email).catch((error: unknown) => {
    deps.log.error(
      { mail: kind, err: error instanceof Error ? error.message : String(error) },
      'e-mail could not be sent',
    );
  });
}
