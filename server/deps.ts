import type { Logger } from 'pino';
import type { Clock } from './clock';
import type { Config } from './config';
import type { DomainEvents } from './events';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
}

/** Sends e-mail through SMTP (nodemailer) or, without SMTP_URL, into the development outbox. */
export interface Mailer {
  send(email: OutgoingEmail): Promise<void>;
}

/**
 * Everything time-, environment- or I/O-dependent that services need, injected so tests control
 * it. Models are imported directly (they are the database boundary).
 */
export interface Deps {
  config: Config;
  clock: Clock;
  log: Logger;
  events: DomainEvents;
  mailer: Mailer;
}
