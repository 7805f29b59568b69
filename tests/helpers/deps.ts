import pino from 'pino';
import { ManualClock } from '../../server/clock';
import { loadConfig } from '../../server/config';
import type { Deps, Mailer, OutgoingEmail } from '../../server/deps';
import { DomainEvents } from '../../server/events';

/** Fixed pepper so factories hash passwords the way the app under test checks them. */
export const TEST_PASSWORD_PEPPER = 'harbour-test-pepper-0123456789';

/** A mailer that keeps what it was asked to send, for assertions. */
export class RecordingMailer implements Mailer {
  readonly sent: OutgoingEmail[] = [];
  async send(email: OutgoingEmail): Promise<void> {
    this.sent.push(email);
  }
}

export interface TestDeps extends Deps {
  clock: ManualClock;
  mailer: RecordingMailer;
}

/** Dependencies for service tests: a movable clock, silent logs, a recording mailer. */
export function testDeps(overrides: Record<string, string> = {}): TestDeps {
  return {
    config: loadConfig({
      NODE_ENV: 'test',
      BCRYPT_COST: '4',
      PASSWORD_PEPPER: TEST_PASSWORD_PEPPER,
      ...overrides,
    }),
    clock: new ManualClock(new Date('2026-03-02T10:00:00Z')), // a Monday, 10:00 in Dublin
    log: pino({ level: 'silent' }),
    events: new DomainEvents(),
    mailer: new RecordingMailer(),
  };
}
