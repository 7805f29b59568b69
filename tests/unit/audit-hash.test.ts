import { Types } from 'mongoose';
import {
  AuditInputError,
  GENESIS_HASH,
  canonicalJson,
  checkAuditMeta,
  hashAuditRecord,
  type ChainedFields,
} from '../../server/services/audit';

const base: ChainedFields = {
  seq: 1,
  prevHash: GENESIS_HASH,
  key: 'invitation:abc:created',
  action: 'invitation.created',
  actor: new Types.ObjectId().toHexString(),
  group: new Types.ObjectId().toHexString(),
  targetType: 'invitation',
  targetId: 'abc',
  ruleId: null,
  reason: null,
  meta: { kind: 'link', maxUses: 3 },
  at: new Date('2026-03-02T10:00:00Z'),
};

describe('audit record hashing', () => {
  it('does not depend on the order of keys', () => {
    expect(canonicalJson({ b: 1, a: [2, { d: 1, c: null }] })).toBe(
      canonicalJson({ a: [2, { c: null, d: 1 }], b: 1 }),
    );
  });

  it('changes when any chained field changes', () => {
    const h = hashAuditRecord(base);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(hashAuditRecord({ ...base })).toBe(h);
    expect(hashAuditRecord({ ...base, seq: 2 })).not.toBe(h);
    expect(hashAuditRecord({ ...base, reason: 'spam' })).not.toBe(h);
    expect(hashAuditRecord({ ...base, meta: { kind: 'link', maxUses: 4 } })).not.toBe(h);
    expect(hashAuditRecord({ ...base, at: new Date('2026-03-02T10:00:00.001Z') })).not.toBe(h);
  });

  it('refuses e-mail addresses and bodies in meta', () => {
    expect(() => checkAuditMeta({ to: 'someone@example.org' })).toThrow(AuditInputError);
    expect(() => checkAuditMeta({ body: 'x' })).toThrow(AuditInputError);
    expect(() => checkAuditMeta({ roles: ['member', 'advocate'], uses: 2 })).not.toThrow();
  });
});
