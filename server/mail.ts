import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import { OutboxEmail } from '../models';
import type { Clock } from './clock';
import type { Config } from './config';
import type { Mailer, OutgoingEmail } from './deps';

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
