/** Dotted-path access with mongod's array semantics (`a.b` reaches into every element of `a`). */
import { CommandError } from '../core/errors';
import { Doc, isPlainObject } from './values';

export interface Candidate {
  value: unknown;
  /** Index in the first array traversed on the way (for the positional `$` operator). */
  arrayPos?: number;
}

const NUMERIC = /^\d+$/;

/** Every value a query on `parts` should test (undefined stands for "missing"). */
export function pathCandidates(doc: unknown, parts: string[]): Candidate[] {
  const out: Candidate[] = [];
  walk(doc, parts, 0, undefined, out);
  return out;
}

function walk(v: unknown, parts: string[], i: number, pos: number | undefined, out: Candidate[]) {
  if (i === parts.length) {
    out.push({ value: v, arrayPos: pos });
    return;
  }
  const key = parts[i] as string;
  if (Array.isArray(v)) {
    if (NUMERIC.test(key)) walk(v[Number(key)], parts, i + 1, pos, out);
    let any = false;
    v.forEach((e, idx) => {
      if (isPlainObject(e)) {
        any = true;
        walk(e, parts, i, pos ?? idx, out);
      }
    });
    if (!any && !NUMERIC.test(key)) out.push({ value: undefined, arrayPos: pos });
    return;
  }
  if (isPlainObject(v)) {
    walk(v[key], parts, i + 1, pos, out);
    return;
  }
  out.push({ value: undefined, arrayPos: pos });
}

/** The single value at a path without array expansion (numeric parts index arrays). */
export function getPath(doc: unknown, path: string | string[]): unknown {
  const parts = typeof path === 'string' ? path.split('.') : path;
  let v: unknown = doc;
  for (const p of parts) {
    if (Array.isArray(v)) {
      if (!NUMERIC.test(p)) {
        // Aggregation semantics: a field path through an array maps over its documents.
        return v
          .filter((e) => isPlainObject(e) || Array.isArray(e))
          .map((e) => getPath(e, [p]))
          .filter((x) => x !== undefined);
      }
      v = v[Number(p)];
    } else if (isPlainObject(v)) {
      v = v[p];
    } else {
      return undefined;
    }
  }
  return v;
}

/** Sets a value, creating intermediate documents (mongod error 28 when a scalar is in the way). */
export function setPath(doc: Doc, parts: string[], value: unknown): void {
  let cur: unknown = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i] as string;
    const next = child(cur, p);
    if (next === undefined || next === null) {
      if (next === null && !Array.isArray(cur)) throw notViable(parts, i, next);
      const made: Doc = {};
      assign(cur, p, made);
      cur = made;
    } else if (isPlainObject(next) || Array.isArray(next)) {
      cur = next;
    } else {
      throw notViable(parts, i, next);
    }
  }
  assign(cur, parts[parts.length - 1] as string, value);
}

function notViable(parts: string[], i: number, v: unknown): CommandError {
  return new CommandError(
    28,
    'PathNotViable',
    `Cannot create field '${parts[i + 1]}' in element {${parts[i]}: ${JSON.stringify(v)}}`,
  );
}

function child(cur: unknown, p: string): unknown {
  if (Array.isArray(cur)) return NUMERIC.test(p) ? cur[Number(p)] : undefined;
  return (cur as Doc)[p];
}

function assign(cur: unknown, p: string, value: unknown): void {
  if (Array.isArray(cur)) {
    if (!NUMERIC.test(p)) {
      throw new CommandError(28, 'PathNotViable', `Cannot create field '${p}' in an array`);
    }
    const idx = Number(p);
    while (cur.length < idx) cur.push(null);
    cur[idx] = value;
  } else {
    (cur as Doc)[p] = value;
  }
}

/** Removes a field (array elements become null, as mongod's $unset does). */
export function unsetPath(doc: Doc, parts: string[]): boolean {
  let cur: unknown = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    cur = child(cur, parts[i] as string);
    if (!isPlainObject(cur) && !Array.isArray(cur)) return false;
  }
  const last = parts[parts.length - 1] as string;
  if (Array.isArray(cur)) {
    if (!NUMERIC.test(last) || Number(last) >= cur.length) return false;
    cur[Number(last)] = null;
    return true;
  }
  const d = cur as Doc;
  if (!(last in d)) return false;
  delete d[last];
  return true;
}

/** Exact value at a path for updates (no expansion), plus whether it exists. */
export function peekPath(doc: Doc, parts: string[]): unknown {
  let cur: unknown = doc;
  for (const p of parts) {
    if (Array.isArray(cur) || isPlainObject(cur)) cur = child(cur, p);
    else return undefined;
  }
  return cur;
}
