import {
  checkNewPassword,
  hashPassword,
  isCommonPassword,
  passwordLength,
  verifyPassword,
} from '../../../server/auth/passwords';

const opts = { pepper: 'test-pepper-0123456789', cost: 4 };

describe('password rules (NIST SP 800-63B-4)', () => {
  it('needs 15 characters as the only factor, 8 with a second factor', () => {
    const fourteen = 'tulip-harbour7';
    expect(passwordLength(fourteen)).toBe(14);
    expect(checkNewPassword(fourteen, { hasSecondFactor: false })).toBe('too_short');
    expect(checkNewPassword(fourteen, { hasSecondFactor: true })).toBeNull();
    expect(checkNewPassword('tulip-harbour7!', { hasSecondFactor: false })).toBeNull();
    expect(checkNewPassword('sev3n!x', { hasSecondFactor: true })).toBe('too_short');
  });

  it('has no composition rules: lower-case words are fine', () => {
    expect(checkNewPassword('quiet river under lamplight', { hasSecondFactor: false })).toBeNull();
  });

  it('counts code points after NFKC, so an emoji counts once', () => {
    expect(passwordLength('🌊🌊🌊🌊🌊🌊🌊🌊')).toBe(8);
    expect(checkNewPassword('🌊🌊🌊🌊🌊🌊🌊🌊', { hasSecondFactor: true })).toBeNull();
    // Fullwidth letters normalise to ASCII; the ligature "ﬁ" becomes two letters.
    expect(passwordLength('ﬁ')).toBe(2);
    expect(passwordLength('ｐａｓｓ')).toBe(4);
  });

  it('accepts long passwords (64 characters and more)', () => {
    const long = 'a calm harbour at dusk, gulls overhead and the tide coming in slowly';
    expect(passwordLength(long)).toBeGreaterThan(64);
    expect(checkNewPassword(long, { hasSecondFactor: false })).toBeNull();
  });

  it('refuses common passwords, whatever the case or spacing', () => {
    expect(isCommonPassword('password1234567')).toBe(true);
    expect(isCommonPassword('Correct Horse Battery Staple')).toBe(true);
    expect(checkNewPassword('qwertyuiopasdfghjkl', { hasSecondFactor: false })).toBe('common');
    expect(checkNewPassword('iloveyouiloveyou', { hasSecondFactor: false })).toBe('common');
    expect(checkNewPassword('Password123', { hasSecondFactor: true })).toBe('common');
  });

  it('refuses the e-mail address as the password', () => {
    expect(
      checkNewPassword('someone.long@example.org', {
        hasSecondFactor: false,
        email: 'Someone.Long@example.org',
      }),
    ).toBe('contains_email');
  });
});

describe('password hashing', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('quiet river under lamplight', opts);
    expect(await verifyPassword('quiet river under lamplight', hash, opts)).toBe(true);
    expect(await verifyPassword('quiet river under lamplight!', hash, opts)).toBe(false);
  });

  it('does not truncate: two passwords sharing their first 72+ bytes differ', async () => {
    const prefix = 'x'.repeat(80);
    const hash = await hashPassword(`${prefix}-first`, opts);
    expect(await verifyPassword(`${prefix}-first`, hash, opts)).toBe(true);
    expect(await verifyPassword(`${prefix}-second`, hash, opts)).toBe(false);
  });

  it('treats NFKC-equivalent spellings as the same password', async () => {
    const hash = await hashPassword('ｆｕｌｌｗｉｄｔｈ harbour password', opts);
    expect(await verifyPassword('fullwidth harbour password', hash, opts)).toBe(true);
  });

  it('depends on the pepper', async () => {
    const hash = await hashPassword('quiet river under lamplight', opts);
    expect(
      await verifyPassword('quiet river under lamplight', hash, { pepper: 'another-pepper-xyz' }),
    ).toBe(false);
  });
});
