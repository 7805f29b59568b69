/** A Durable that keeps nothing: commits resolve at once. For unit tests and throwaway engines. */
import { Durable, JournalOp } from './types';

export function memoryDurable(record?: JournalOp[][]): Durable {
  return {
    commit(ops) {
      record?.push(ops);
      return Promise.resolve();
    },
    compact() {
      return Promise.resolve();
    },
    close() {
      return Promise.resolve();
    },
  };
}
