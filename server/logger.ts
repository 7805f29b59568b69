import pino, { type Logger } from 'pino';
import type { Config } from './config';

/** JSON logs. Cookies and credentials are redacted; bodies, names and e-mails are never logged. */
export function createLogger(
  config: Pick<Config, 'logLevel' | 'instanceId'>,
  /** Where lines go (stdout by default; tests capture them to check nothing private is logged). */
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
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
  };
  return destination ? pino(options, destination) : pino(options);
}
