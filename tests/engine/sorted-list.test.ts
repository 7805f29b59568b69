/** The chunked sorted list behind every index, checked against a plain sorted array. */
import fc from 'fast-check';
import { SortedList } from '../../server/database/embedded/index/sorted-list';

const cmp = (a: number, b: number) => a - b;

test('inserts, removals and ranges (both directions) agree with a sorted array', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 400 })), { maxLength: 3000 }),
      fc.integer({ min: -5, max: 405 }),
      fc.integer({ min: -5, max: 405 }),
      (ops, a, b) => {
        const list = new SortedList<number>(cmp);
        const model: number[] = [];
        for (const [insert, v] of ops) {
          if (insert) {
            list.insert(v);
            model.push(v);
            model.sort(cmp);
          } else {
            const i = model.indexOf(v);
            expect(list.remove(v)).toBe(i >= 0);
            if (i >= 0) model.splice(i, 1);
          }
        }
        expect(list.size).toBe(model.length);
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const expected = model.filter((x) => x >= lo && x <= hi);
        const from = (x: number) => (x < lo ? -1 : 0);
        const until = (x: number) => (x > hi ? 1 : 0);
        expect([...list.range(from, until)]).toEqual(expected);
        expect([...list.range(from, until, true)]).toEqual(expected.slice().reverse());
        expect([...list.range(null, null)]).toEqual(model);
        expect([...list.range(null, null, true)]).toEqual(model.slice().reverse());
      },
    ),
    { numRuns: 200 },
  );
});
