import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { generateSecret, generateURI, verifySync } from 'otplib';
import QRCode from 'qrcode';

/**
 * Time-based one-time codes (RFC 6238, 6 digits, 30 s) through otplib, plus single-use recovery
 * codes stored as SHA-256 hashes.
 */
export function newTotpSecret(): string {
  return generateSecret();
}

export function totpUri(secret: string, label: string): string {
  return generateURI({ issuer: 'Harbour', label, secret });
}

/** A QR code as a data: URL image (CSP allows img-src data:), so no third party sees the secret. */
export function totpQrDataUrl(uri: string): Promise<string> {
  return QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 240 });
}

/**
 * Checks a code, allowing one step of clock drift either way. `afterTimeStep` refuses a code
 * already used (replay). Returns the time step used, or null.
 */
export function checkTotp(
  secret: string,
  code: string,
  now: Date,
  afterTimeStep?: number,
): number | null {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  const result = verifySync({
    secret,
    token,
    epoch: Math.floor(now.getTime() / 1000),
    epochTolerance: 30,
    afterTimeStep,
  });
  if (!result.valid) return null;
  // The TOTP strategy always reports the matched step; HOTP results (not used here) do not.
  return 'timeStep' in result ? result.timeStep : null;
}

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** Ten codes like `k7pd-3wqm-x9ta`: easy to type, 60 bits each. */
export function newRecoveryCodes(count = 10): string[] {
  return Array.from({ length: count }, () => {
    const bytes = randomBytes(12);
    let code = '';
    for (let i = 0; i < 12; i++) {
      code += RECOVERY_ALPHABET[(bytes[i] ?? 0) % RECOVERY_ALPHABET.length];
      if (i === 3 || i === 7) code += '-';
    }
    return code;
  });
}

export function hashRecoveryCode(code: string): string {
  const normalized = code.trim().toLowerCase().replace(/[\s-]/g, '');
  return createHash('sha256').update(normalized).digest('hex');
}

/** Index of the matching unused recovery code hash, or -1. */
export function findRecoveryCode(code: string, hashes: readonly string[]): number {
  const wanted = Buffer.from(hashRecoveryCode(code), 'hex');
  let found = -1;
  hashes.forEach((hash, index) => {
    const candidate = Buffer.from(hash, 'hex');
    if (candidate.length === wanted.length && timingSafeEqual(candidate, wanted)) found = index;
  });
  return found;
}
