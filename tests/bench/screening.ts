/**
 * Screening benchmark (`npx tsx tests/bench/screening.ts`): the time each rule, and the whole
 * screen(), takes on 100 kB adversarial strings built to trigger catastrophic backtracking, beside
 * a raw baseline measured in the same run: one linear regex pass (`/\w{1,2}#/`) over the same text.
 * Targets: every rule under 25 ms and screen() (obscenity included) under 250 ms per 100 kB string.
 */
import { performance } from 'node:perf_hooks';
import { SCREENING_RULES, screen } from '../../server/services/screening';

const SIZE = 100_000;
const inputs: Record<string, string> = {
  letters: 'a'.repeat(SIZE),
  digits: '0'.repeat(SIZE),
  spaces: ' '.repeat(SIZE) + '!',
  hyphenated: 'a-'.repeat(SIZE / 2),
  dots: 'a.'.repeat(SIZE / 2),
  'at-signs': 'a@'.repeat(SIZE / 2),
  words: 'should '.repeat(SIZE / 7),
  'capitalised words': '1 Oak '.repeat(SIZE / 6),
  'phone-ish': '0 1 '.repeat(SIZE / 4),
  markdown: '!['.repeat(SIZE / 2),
  tags: '<'.repeat(SIZE),
  'normal prose': 'I had a long day at the clinic but the nurses were kind. '.repeat(SIZE / 58),
};

function time(fn: () => void, repeat = 3): number {
  let best = Infinity;
  for (let i = 0; i < repeat; i += 1) {
    const start = performance.now();
    fn();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

let failures = 0;
console.log('input'.padEnd(20), 'baseline ms', 'slowest rule ms', '(rule)', 'screen() ms');
for (const [name, text] of Object.entries(inputs)) {
  const baseline = time(() => /\w{1,2}#/.test(text));
  let slowest = 0;
  let slowestRule = '';
  for (const rule of SCREENING_RULES) {
    const ms = time(() => rule.pattern.test(text));
    if (ms > slowest) {
      slowest = ms;
      slowestRule = `${rule.kind}:${rule.code}`;
    }
  }
  const whole = time(() => screen(text));
  const ok = whole < 250 && slowest < 25;
  if (!ok) failures += 1;
  console.log(
    name.padEnd(20),
    baseline.toFixed(2).padStart(11),
    slowest.toFixed(2).padStart(15),
    slowestRule.padEnd(34),
    whole.toFixed(2).padStart(8),
    ok ? '' : '  <-- over target',
  );
}
process.exitCode = failures ? 1 : 0;
