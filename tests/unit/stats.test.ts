import {
  addDays,
  auditReason,
  csvField,
  csvRows,
  dayKey,
  dayRange,
  median,
  percentile,
  suppressSmall,
} from '../../server/services/stats';

describe('journal and insights arithmetic', () => {
  it('percentiles by nearest rank and medians', () => {
    expect(percentile([], 90)).toBeNull();
    expect(percentile([10, 20, 40, 3], 90)).toBe(40);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([5], 50)).toBe(5);
    expect(median([10, 20, 40, 3])).toBe(15);
    expect(median([7, 1, 3])).toBe(3);
    expect(median([])).toBeNull();
  });

  it('local days: a Dublin day across the spring DST change is 23 hours', () => {
    const { start, end } = dayRange('2026-03-29', 'Europe/Dublin');
    expect(start.toISOString()).toBe('2026-03-29T00:00:00.000Z');
    expect(end.toISOString()).toBe('2026-03-29T23:00:00.000Z');
    expect(dayKey(new Date('2026-06-30T23:30:00Z'), 'Europe/Dublin')).toBe('2026-07-01');
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2026-03-01', -7)).toBe('2026-02-22');
  });

  it('small counts are withheld, zero is not', () => {
    expect([0, 1, 2, 3, 10].map(suppressSmall)).toEqual([0, null, null, 3, 10]);
  });

  it('CSV fields are quoted when needed and never start a formula', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a, b')).toBe('"a, b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-1')).toBe("'-1");
    expect(csvField(null)).toBe('');
    expect(
      csvRows([
        ['a', 1],
        ['b', null],
      ]),
    ).toBe('a,1\r\nb,\r\n');
  });
});

describe('audit reasons', () => {
  it('keep the note but never an e-mail address', () => {
    expect(auditReason(undefined)).toEqual({});
    expect(auditReason('Please write to privacy@hospital.example for this.')).toEqual({
      reason: 'Please write to [address] for this.',
    });
  });
});
