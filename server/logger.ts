import pino, { type Logger } from 'pino';
import type { Config } from './config';

/** JSON logs. Cookies and credentials are redacted; bodies, names and e-mails are never logged. */
export function createLogger(config: Pick<Config, 'logLevel' | 'instanceId'>): Logger {
  return pino({
    level: config.logLevel,
    base: { instance: config.instanceId },
    redact: {
      paths: [
        'req.headers.cookie',
        'req.headers.authorization',
        'headers.cookie',
        'headers.authorization',
        'cookie',
        'password',
        'email',
      ],
      censor: '[redacted]',
    },
  });
}
