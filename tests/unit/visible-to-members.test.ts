import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Types } from 'mongoose';
import { visibleToMembers } from '../../server/services/posts';

/**
 * Pending posts live in the same collection as published ones, so every read of the posts
 * collection in server/ must either build its filter with visibleToMembers() or be marked, on the
 * line above, as a privileged read (the author's own posts, or a moderator's, after the check).
 * A new member-facing read that forgets the helper fails here.
 */
const root = path.join(__dirname, '../../server');
const READ =
  /\bPost\s*\.\s*(find|findOne|findById|countDocuments|aggregate|distinct|exists|findOneAndUpdate|updateOne|updateMany)\s*\(/g;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return files(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

describe('every member-facing read of posts uses visibleToMembers()', () => {
  const sites: Array<{ file: string; line: number; text: string; ok: boolean; method: string }> =
    [];
  for (const file of files(root)) {
    const source = readFileSync(file, 'utf8');
    const lines = source.split('\n');
    for (const match of source.matchAll(READ)) {
      const index = match.index ?? 0;
      const lineNo = source.slice(0, index).split('\n').length;
      const call = source.slice(index, index + 400);
      const method = match[1] as string;
      const usesHelper = /^[^;]*?\(\s*visibleToMembers\(/.test(call.replace(/\s+/g, ' '));
      const previous = lines.slice(Math.max(0, lineNo - 4), lineNo - 1).join('\n');
      const privileged = /\/\/ privileged read:/.test(previous);
      // Writes guarded by the author or a decision condition are not reads for members.
      const guardedWrite =
        /^(findOneAndUpdate|updateOne|updateMany)$/.test(method) &&
        (/author: actor\.userId|status: 'pending'|'decision\.by'|'claim\.by'|_id: updated\.parent|_id: post\._id/.test(
          call,
        ) ||
          usesHelper);
      sites.push({
        file: path.relative(root, file),
        line: lineNo,
        text: call.split('\n')[0] ?? '',
        method,
        ok: usesHelper || privileged || guardedWrite,
      });
    }
  }

  it('finds the reads it is meant to check', () => {
    expect(sites.length).toBeGreaterThan(10);
    expect(sites.some((s) => s.file.endsWith('posts.ts') && s.ok)).toBe(true);
  });

  it('has no unmarked read of the posts collection', () => {
    const bad = sites.filter((s) => !s.ok).map((s) => `${s.file}:${s.line} ${s.text}`);
    expect(bad).toEqual([]);
  });

  it('the helper cannot be widened by what a caller passes', () => {
    const group = new Types.ObjectId();
    const filter = visibleToMembers(group, { status: 'pending', group: new Types.ObjectId() });
    expect(filter.status).toBe('approved');
    expect(filter.group).toBe(group);
  });
});
