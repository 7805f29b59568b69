import { generateSync } from 'otplib';
import {
  checkTotp,
  findRecoveryCode,
  hashRecoveryCode,
  newRecoveryCodes,
  newTotpSecret,
} from '../../../server/auth/totp';

describe('second factor', () => {
  it('accepts the current code and refuses a replayed one', () => {
    const secret = newTotpSecret();
    const now = new Date('2026-03-02T10:00:10Z');
    const code = generateSync({ secret, epoch: Math.floor(now.getTime() / 1000) });
    const step = checkTotp(secret, code, now);
    expect(step).not.toBeNull();
    expect(checkTotp(secret, code, now, step ?? undefined)).toBeNull();
    expect(checkTotp(secret, '000000', now)).toBeNull();
    expect(checkTotp(secret, 'abcdef', now)).toBeNull();
  });

  it('refuses a code from ten minutes ago', () => {
    const secret = newTotpSecret();
    const then = new Date('2026-03-02T09:50:00Z');
    const code = generateSync({ secret, epoch: Math.floor(then.getTime() / 1000) });
    expect(checkTotp(secret, code, new Date('2026-03-02T10:00:00Z'))).toBeNull();
  });

  it('makes ten distinct recovery codes that match only their own hash', () => {
    const codes = newRecoveryCodes();
    expect(new Set(codes).size).toBe(10);
    const hashes = codes.map(hashRecoveryCode);
    expect(findRecoveryCode(codes[3] ?? '', hashes)).toBe(3);
    expect(findRecoveryCode((codes[3] ?? '').toUpperCase().replace(/-/g, ' '), hashes)).toBe(3);
    expect(findRecoveryCode('aaaa-bbbb-cccc', hashes)).toBe(-1);
  });
});
