import { crashTrial } from './harness';

/**
 * SIGKILL of the app or of the database engine at a random moment under load, then a restart:
 * every acknowledged post and approval is there exactly once, with its audit record, and the
 * audit chain verifies. (200 trials: `npm run test:chaos`.)
 */
describe('crash and restart', () => {
  const trials: Array<[number, 'app' | 'engine']> = [
    [101, 'app'],
    [102, 'engine'],
    [103, 'app'],
    [104, 'engine'],
    [105, 'app'],
  ];
  it.each(trials)(
    'trial %i (SIGKILL the %s): acknowledged work survives exactly once',
    async (seed, kill) => {
      const result = await crashTrial(seed, kill);
      expect(result.problems).toEqual([]);
      expect(result.ackedPosts).toBeGreaterThan(0);
    },
    90_000,
  );
});
