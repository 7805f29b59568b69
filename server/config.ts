import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * Configuration from environment variables, validated once at start-up. Safe local defaults; in
 * production the secrets and transport security are required (see `checkProduction`).
 */
const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.url().optional(),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  SESSION_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Pepper for the HMAC pre-hash of passwords; defaults to a key derived from SESSION_SECRET. */
  PASSWORD_PEPPER: z.string().min(16).optional(),
  BCRYPT_COST: z.coerce.number().int().min(4).max(15).optional(),
  SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(5)
    .max(7 * 24 * 60)
    .default(120),
  SESSION_ABSOLUTE_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(24 * 14),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://')
    .optional(),
  MAIL_FROM: z.string().min(3).default('Harbour <no-reply@harbour.invalid>'),
  TRUST_PROXY: z.string().optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  INVITATION_DEFAULT_DAYS: z.coerce.number().int().min(1).max(90).default(7),
  INVITATION_MAX_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  INSTANCE_ID: z.string().min(1).optional(),
  HTTPS: booleanFromEnv.optional(),
  // Retention (days; see docs: privacy). 0 keeps for ever.
  RETENTION_REJECTED_POSTS_DAYS: z.coerce.number().int().min(0).max(3650).default(90),
  RETENTION_WITHDRAWN_POSTS_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
  RETENTION_EXPIRED_INVITATIONS_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
  RETENTION_NOTIFICATIONS_DAYS: z.coerce.number().int().min(0).max(3650).default(180),
  RETENTION_AUDIT_DETAIL_DAYS: z.coerce.number().int().min(0).max(36500).default(730),
  EXPORT_KEEP_DAYS: z.coerce.number().int().min(1).max(30).default(7),
  /** How often the scheduler looks for due work (retention daily, digests, exports). */
  SCHEDULER_INTERVAL_SECONDS: z.coerce.number().int().min(5).max(86400).default(60),
  /** On SIGTERM: how long to keep serving (readyz 503, connections closing) before closing. */
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).max(5000).default(1000),
  /** Reads (GET, HEAD) one instance works on at once; more wait their turn (see admission.ts). */
  READ_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(24),
  /** The site's time zone: site-wide banners are entered and shown in it. */
  SITE_TIME_ZONE: z
    .string()
    .refine(isTimeZone, 'must be an IANA time zone such as Europe/Dublin')
    .default('Europe/Dublin'),
});

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export interface Config {
  env: 'development' | 'production' | 'test';
  isProduction: boolean;
  host: string;
  port: number;
  publicUrl: string;
  mongodbUri?: string;
  dataDir: string;
  sessionSecret: string;
  passwordPepper: string;
  bcryptCost: number;
  sessionIdleMs: number;
  sessionAbsoluteMs: number;
  smtpUrl?: string;
  mailFrom: string;
  trustProxy: string | false;
  redisUrl?: string;
  invitationDefaultDays: number;
  invitationMaxDays: number;
  logLevel: string;
  instanceId: string;
  /** Cookies are Secure and HSTS is sent. */
  secureCookies: boolean;
  retention: RetentionConfig;
  exportKeepDays: number;
  schedulerIntervalMs: number;
  shutdownDrainMs: number;
  readConcurrency: number;
  siteTimeZone: string;
}

/** Days after which each kind of record is purged by the retention job (0: never). */
export interface RetentionConfig {
  rejectedPostsDays: number;
  withdrawnPostsDays: number;
  expiredInvitationsDays: number;
  notificationsDays: number;
  auditDetailDays: number;
}

export class ConfigError extends Error {}

/** Reads and validates the environment. Throws ConfigError with one line naming the bad value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue ? String(issue.path[0]) : 'environment';
    throw new ConfigError(`Invalid configuration: ${name} ${issue?.message ?? 'is invalid'}`);
  }
  const e = parsed.data;
  const isProduction = e.NODE_ENV === 'production';
  const dataDir = path.resolve(e.DATA_DIR);
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');
  const secureCookies = e.HTTPS ?? publicUrl.startsWith('https://');

  if (isProduction) checkProduction(e, publicUrl);

  const sessionSecret = e.SESSION_SECRET ?? developmentSecret(dataDir, e.NODE_ENV === 'test');
  return {
    env: e.NODE_ENV,
    isProduction,
    host: e.HOST,
    port: e.PORT,
    publicUrl,
    mongodbUri: e.MONGODB_URI,
    dataDir,
    sessionSecret,
    passwordPepper: e.PASSWORD_PEPPER ?? `pepper:${sessionSecret}`,
    bcryptCost: e.BCRYPT_COST ?? (isProduction ? 12 : e.NODE_ENV === 'test' ? 4 : 10),
    sessionIdleMs: e.SESSION_IDLE_MINUTES * 60_000,
    sessionAbsoluteMs: e.SESSION_ABSOLUTE_HOURS * 3_600_000,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    trustProxy: e.TRUST_PROXY ?? false,
    redisUrl: e.REDIS_URL,
    invitationDefaultDays: Math.min(e.INVITATION_DEFAULT_DAYS, e.INVITATION_MAX_DAYS),
    invitationMaxDays: e.INVITATION_MAX_DAYS,
    logLevel: e.LOG_LEVEL ?? (e.NODE_ENV === 'test' ? 'silent' : 'info'),
    instanceId: e.INSTANCE_ID ?? `${process.pid}`,
    secureCookies,
    retention: {
      rejectedPostsDays: e.RETENTION_REJECTED_POSTS_DAYS,
      withdrawnPostsDays: e.RETENTION_WITHDRAWN_POSTS_DAYS,
      expiredInvitationsDays: e.RETENTION_EXPIRED_INVITATIONS_DAYS,
      notificationsDays: e.RETENTION_NOTIFICATIONS_DAYS,
      auditDetailDays: e.RETENTION_AUDIT_DETAIL_DAYS,
    },
    exportKeepDays: e.EXPORT_KEEP_DAYS,
    schedulerIntervalMs: e.SCHEDULER_INTERVAL_SECONDS * 1000,
    shutdownDrainMs: e.SHUTDOWN_DRAIN_MS,
    readConcurrency: e.READ_CONCURRENCY,
    siteTimeZone: e.SITE_TIME_ZONE,
  };
}

function checkProduction(e: z.infer<typeof envSchema>, publicUrl: string): void {
  if (!e.SESSION_SECRET || Buffer.byteLength(e.SESSION_SECRET) < 32) {
    throw new ConfigError(
      'Invalid configuration: SESSION_SECRET must be set to at least 32 bytes in production',
    );
  }
  if (!publicUrl.startsWith('https://')) {
    throw new ConfigError('Invalid configuration: PUBLIC_URL must be https:// in production');
  }
  if (!e.TRUST_PROXY && e.HTTPS !== true) {
    throw new ConfigError(
      'Invalid configuration: TRUST_PROXY must name the TLS-terminating proxy in production',
    );
  }
  if (
    e.MONGODB_URI &&
    !isLoopbackUri(e.MONGODB_URI) &&
    !/[?&](tls|ssl)=true/.test(e.MONGODB_URI) &&
    !e.MONGODB_URI.startsWith('mongodb+srv://')
  ) {
    throw new ConfigError(
      'Invalid configuration: MONGODB_URI must use TLS (tls=true) for a remote database in production',
    );
  }
}

function isLoopbackUri(uri: string): boolean {
  return /^mongodb:\/\/([^@/]*@)?(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?([/,?]|$)/.test(uri);
}

/** Development only: a random secret generated once and kept in the data directory. */
function developmentSecret(dataDir: string, ephemeral: boolean): string {
  if (ephemeral) return randomBytes(32).toString('hex');
  const file = path.join(dataDir, 'session-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
