import { Types } from 'mongoose';
import { AuditEvent, type AuditEventDoc } from '../../../models';
import {
  AuditInputError,
  chainedFieldsOf,
  hashAuditRecord,
  recordAudit,
  verifyAuditChain,
} from '../../../server/services/audit';
import { testDeps } from '../../helpers/deps';
import { connectGroupsDb, disconnectGroupsDb } from '../../helpers/groups-db';

const deps = testDeps();
const group = new Types.ObjectId();
const actor = new Types.ObjectId();

function event(key: string, extra: Record<string, unknown> = {}) {
  return {
    key,
    action: 'invitation.created',
    actor,
    group,
    targetType: 'invitation',
    targetId: new Types.ObjectId(),
    meta: { kind: 'link', maxUses: 3 },
    ...extra,
  };
}

beforeAll(() => connectGroupsDb('groups-audit'));
afterAll(disconnectGroupsDb);

describe('audit trail', () => {
  it('chains events in order and verifies', async () => {
    const a = await recordAudit(deps, event('a-1'));
    const b = await recordAudit(deps, event('a-2', { reason: 'Broke rule 2' }));
    expect(b.seq).toBe(a.seq + 1);
    expect(b.prevHash).toBe(a.hash);
    await expect(verifyAuditChain()).resolves.toBeNull();
  });

  it('a retry with the same key returns the stored event and writes nothing new', async () => {
    const first = await recordAudit(deps, event('same-key'));
    const again = await recordAudit(deps, event('same-key'));
    expect(String(again._id)).toBe(String(first._id));
    const parallel = await Promise.all(
      Array.from({ length: 8 }, () => recordAudit(deps, event('parallel-same-key'))),
    );
    expect(new Set(parallel.map((e) => String(e._id))).size).toBe(1);
    expect(await AuditEvent.countDocuments({ key: 'parallel-same-key' })).toBe(1);
  });

  it('concurrent appends get distinct sequence numbers and the chain stays intact', async () => {
    const before = await AuditEvent.countDocuments();
    const written = await Promise.all(
      Array.from({ length: 20 }, (_, i) => recordAudit(deps, event(`concurrent-${i}`))),
    );
    const seqs = written.map((e) => e.seq).sort((x, y) => x - y);
    expect(new Set(seqs).size).toBe(20);
    expect(await AuditEvent.countDocuments()).toBe(before + 20);
    await expect(verifyAuditChain()).resolves.toBeNull();
  });

  it('many parallel appends from one process share inserts, and the chain stays intact', async () => {
    const inserts = jest.spyOn(AuditEvent, 'insertMany');
    try {
      const written = await Promise.all(
        Array.from({ length: 200 }, (_, i) => recordAudit(deps, event(`burst-${i}`))),
      );
      expect(new Set(written.map((e) => e.seq)).size).toBe(200);
      expect(new Set(written.map((e) => e.key))).toEqual(
        new Set(Array.from({ length: 200 }, (_, i) => `burst-${i}`)),
      );
      expect(inserts.mock.calls.length).toBeLessThan(200);
    } finally {
      inserts.mockRestore();
    }
    await expect(verifyAuditChain()).resolves.toBeNull();
  });

  it('an append that meets a sequence number taken by another instance chains on the new tail', async () => {
    const original = AuditEvent.insertMany.bind(AuditEvent);
    let raced = false;
    const inserts = jest.spyOn(AuditEvent, 'insertMany').mockImplementation((async (
      docs: Array<Record<string, unknown>>,
      options: object,
    ) => {
      if (!raced) {
        raced = true;
        // Another instance appends first, on the same tail this batch was chained to.
        const first = docs[0] as unknown as AuditEventDoc;
        const fields = { ...chainedFieldsOf(first), key: 'other-instance' };
        await original([
          {
            ...first,
            ...fields,
            actor: first.actor,
            group: first.group,
            hash: hashAuditRecord(fields),
            _id: new Types.ObjectId(),
          },
        ]);
      }
      return original(docs, options);
    }) as never);
    try {
      const mine = await recordAudit(deps, event('after-race'));
      const other = await AuditEvent.findOne({ key: 'other-instance' }).lean();
      expect(other).not.toBeNull();
      expect(mine.seq).toBe((other?.seq ?? 0) + 1);
      expect(mine.prevHash).toBe(other?.hash);
    } finally {
      inserts.mockRestore();
    }
    await expect(verifyAuditChain()).resolves.toBeNull();
  });

  it('refuses e-mail addresses', async () => {
    await expect(recordAudit(deps, event('mail', { meta: { to: 'a@b.example' } }))).rejects.toThrow(
      AuditInputError,
    );
    await expect(
      recordAudit(deps, event('mail2', { reason: 'wrote to a@b.example' })),
    ).rejects.toThrow(AuditInputError);
  });

  it('detects an edited event, then a deleted one', async () => {
    const target = await recordAudit(deps, event('to-tamper', { reason: 'Original reason' }));
    await recordAudit(deps, event('after-tamper'));
    await AuditEvent.collection.updateOne(
      { _id: target._id },
      { $set: { reason: 'Rewritten reason' } },
    );
    await expect(verifyAuditChain()).resolves.toBe(target.seq);
    await AuditEvent.collection.updateOne(
      { _id: target._id },
      { $set: { reason: 'Original reason' } },
    );
    await expect(verifyAuditChain()).resolves.toBeNull();
    await AuditEvent.collection.deleteOne({ _id: target._id });
    await expect(verifyAuditChain()).resolves.toBe(target.seq);
  });
});
