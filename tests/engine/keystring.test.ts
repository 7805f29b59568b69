/** Index key strings must sort exactly as mongod compares the values they encode. */
import fc from 'fast-check';
import { Binary, Decimal128, Double, Int32, Long, ObjectId, Timestamp } from 'bson';
import { compareValues } from '../../server/database/embedded/bson/values';
import { encodeValue, invert } from '../../server/database/embedded/index/keystring';

const scalar = fc.oneof(
  fc.constant(null),
  fc.integer({ min: -2147483648, max: 2147483647 }).map((n) => new Int32(n)),
  fc.double({ noNaN: true }).map((n) => new Double(n)),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => Long.fromBigInt(n)),
  fc.string({ unit: 'binary' }),
  fc.boolean(),
  fc.date({ noInvalidDate: true }),
  fc.uint8Array({ minLength: 12, maxLength: 12 }).map((b) => new ObjectId(b)),
  fc.uint8Array({ maxLength: 6 }).map((b) => new Binary(b)),
  fc.record({ t: fc.nat(), i: fc.nat() }).map((x) => new Timestamp(x)),
);
const value = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 3 }),
  fc.dictionary(fc.constantFrom('a', 'b', 'c'), scalar, { maxKeys: 3 }),
);

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

test('ascending key strings order like BSON comparison', () => {
  fc.assert(
    fc.property(value, value, (a, b) => {
      expect(cmp(encodeValue(a), encodeValue(b))).toBe(sign(compareValues(a, b)));
    }),
    { numRuns: 3000 },
  );
});

test('descending key strings reverse the order', () => {
  fc.assert(
    fc.property(value, value, (a, b) => {
      expect(cmp(invert(encodeValue(a)), invert(encodeValue(b)))).toBe(
        -sign(compareValues(a, b)) || 0,
      );
    }),
    { numRuns: 1000 },
  );
});

test('numbers of different types that are equal encode equally', () => {
  expect(encodeValue(new Int32(5))).toBe(encodeValue(new Double(5)));
  expect(encodeValue(Long.fromNumber(5))).toBe(encodeValue(new Double(5)));
  expect(encodeValue(Decimal128.fromString('5'))).toBe(encodeValue(new Int32(5)));
  expect(encodeValue(new Double(-0))).toBe(encodeValue(new Double(0)));
  const big = Long.fromString('9007199254740993');
  expect(encodeValue(big)).not.toBe(encodeValue(Long.fromString('9007199254740992')));
});
