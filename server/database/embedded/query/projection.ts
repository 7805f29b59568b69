/** find() projections: inclusion, exclusion, `a.$`, $slice, $elemMatch and expressions. */
import { Doc, clone, isPlainObject, isTruthy, toNumber, isNumber } from '../bson/values';
import { fieldPick, type FieldPick } from '../bson/raw';
import { CommandError } from '../core/errors';
import { evaluate } from './expr';
import { compileFilter } from './match';

export type Projector = (doc: Doc, pos?: number) => Doc;

interface Tree {
  [k: string]: Tree | unknown;
}

function isFlag(v: unknown): boolean {
  return typeof v === 'boolean' || isNumber(v);
}

/** `{ a: { b: 1 } }` means `{ 'a.b': 1 }`; operator objects ($slice, expressions) stay. */
export function flattenProjection(spec: Doc, prefix = '', out: Doc = {}): Doc {
  for (const [k, v] of Object.entries(spec)) {
    const path = prefix + k;
    const keys = isPlainObject(v) ? Object.keys(v) : [];
    if (isPlainObject(v) && keys.length > 0 && !keys.some((x) => x.startsWith('$'))) {
      flattenProjection(v, path + '.', out);
    } else out[path] = v;
  }
  return out;
}

export function compileProjection(raw: Doc | undefined | null): Projector | undefined {
  if (!raw || Object.keys(raw).length === 0) return undefined;
  const spec = flattenProjection(raw);
  let inclusion: boolean | undefined;
  let idFlag = true;
  const special: Array<[string, unknown]> = [];
  const tree: Tree = {};
  for (const [path, v] of Object.entries(spec)) {
    if (path === '_id' && isFlag(v)) {
      idFlag = isTruthy(v);
      continue;
    }
    if (isPlainObject(v) && ('$slice' in v || '$elemMatch' in v)) {
      special.push([path, v]);
      continue;
    }
    if (path.endsWith('.$')) {
      special.push([path, '$']);
      inclusion = true;
      continue;
    }
    const isIncl = isFlag(v) ? isTruthy(v) : true;
    if (inclusion !== undefined && inclusion !== isIncl) {
      throw new CommandError(
        31254,
        'Location31254',
        `Cannot do ${isIncl ? 'inclusion' : 'exclusion'} on field ${path} in ${isIncl ? 'exclusion' : 'inclusion'} projection`,
      );
    }
    inclusion = isIncl;
    setTree(tree, path.split('.'), isFlag(v) ? isIncl : v);
  }
  // Alone, `a.$` and $elemMatch select fields (inclusion); $slice keeps every other field.
  // Alone, `a.$` and $elemMatch select fields (inclusion); $slice keeps every other field;
  // `{ _id: 1 }` alone returns only the _id.
  inclusion ??=
    (idFlag && '_id' in spec && special.length === 0) ||
    special.some(([, v]) => v === '$' || (isPlainObject(v) && '$elemMatch' in v));
  const incl = inclusion;
  return (doc, pos) => {
    let out: Doc;
    if (incl) {
      out = {};
      if (idFlag && '_id' in doc) out._id = doc._id;
      Object.assign(out, include(doc, tree, doc));
    } else {
      out = exclude(doc, tree);
      if (!idFlag) delete out._id;
    }
    for (const [path, v] of special) applySpecial(out, doc, path, v, pos);
    return out;
  };
}

function setTree(tree: Tree, parts: string[], v: unknown): void {
  let t = tree;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i] as string;
    if (!isPlainObject(t[p]) || '__expr' in (t[p] as Doc)) t[p] = {};
    t = t[p] as Tree;
  }
  // Anything but an include/exclude flag is an aggregation expression ('$field', literals, ...).
  t[parts[parts.length - 1] as string] = typeof v === 'boolean' ? v : { __expr: v };
}

function include(v: unknown, tree: Tree, root: Doc): unknown {
  if (Array.isArray(v))
    return v.filter((e) => isPlainObject(e) || Array.isArray(e)).map((e) => include(e, tree, root));
  if (!isPlainObject(v)) return undefined;
  const out: Doc = {};
  // Kept fields come in the document's order (as in MongoDB), computed ones after them.
  for (const [k, x] of Object.entries(v)) {
    const sub = tree[k];
    if (sub === true) out[k] = clone(x);
    else if (isPlainObject(sub) && !('__expr' in sub)) {
      const r = include(x, sub as Tree, root);
      if (r !== undefined) out[k] = r;
    }
  }
  for (const [k, sub] of Object.entries(tree)) {
    if (isPlainObject(sub) && '__expr' in sub) out[k] = evaluate(sub.__expr, root);
  }
  return out;
}

function exclude(v: Doc, tree: Tree): Doc {
  const out: Doc = {};
  for (const [k, x] of Object.entries(v)) {
    const sub = tree[k];
    if (sub === false) continue;
    if (isPlainObject(sub)) {
      if (isPlainObject(x)) out[k] = exclude(x, sub as Tree);
      else if (Array.isArray(x))
        out[k] = x.map((e) => (isPlainObject(e) ? exclude(e, sub as Tree) : clone(e)));
      else out[k] = clone(x);
    } else out[k] = clone(x);
  }
  return out;
}

function applySpecial(out: Doc, doc: Doc, path: string, v: unknown, pos?: number): void {
  if (v === '$') {
    const field = path.slice(0, -2);
    const arr = doc[field];
    if (Array.isArray(arr) && pos !== undefined) out[field] = [clone(arr[pos])];
    return;
  }
  const spec = v as Doc;
  const arr = doc[path];
  if ('$slice' in spec) {
    if (!Array.isArray(arr)) return;
    const s = spec.$slice;
    let res: unknown[];
    if (Array.isArray(s)) {
      const skip = toNumber(s[0]);
      const from = skip < 0 ? Math.max(arr.length + skip, 0) : skip;
      res = arr.slice(from, from + toNumber(s[1]));
    } else {
      const n = toNumber(s);
      res = n >= 0 ? arr.slice(0, n) : arr.slice(n);
    }
    out[path] = clone(res);
  } else if ('$elemMatch' in spec) {
    if (!Array.isArray(arr)) return;
    const m = compileFilter({ v: { $elemMatch: spec.$elemMatch } });
    const hit = arr.find((e) => m({ v: [e] }));
    if (hit !== undefined) out[path] = [clone(hit)];
    else delete out[path];
  }
}

/**
 * For a projection of top-level fields only, all kept or all left out (with `_id` either way),
 * which fields of a stored document it returns; null for anything else (paths, operators,
 * values), which goes through the full projector. Lets find() copy the kept fields' bytes
 * instead of decoding and re-encoding each document (see `pickFields`).
 */
export function topLevelProjection(raw: Doc | undefined | null): FieldPick | null {
  if (!raw) return null;
  const entries = Object.entries(raw);
  if (entries.length === 0) return null;
  let inclusion: boolean | undefined;
  let keepId = true;
  const fields = new Set<string>();
  for (const [k, v] of entries) {
    if (!isFlag(v) || k.includes('.') || k.startsWith('$')) return null;
    if (k === '_id') {
      keepId = isTruthy(v);
      continue;
    }
    const incl = isTruthy(v);
    if (inclusion !== undefined && inclusion !== incl) return null; // refused by compileProjection
    inclusion = incl;
    fields.add(k);
  }
  // `{ _id: 1 }` alone keeps only the _id; `{ _id: 0 }` alone everything else.
  if (inclusion === undefined) return fieldPick(['_id'], keepId);
  if (inclusion) return fieldPick(keepId ? [...fields, '_id'] : fields, true);
  return fieldPick(keepId ? fields : [...fields, '_id'], false);
}
