/**
 * What every scenario gets: the running Harbour and raw Socket.IO processes (started once per
 * run, so all figures of a run share the same machine state), the size knobs, and helpers to
 * seed a group and bring its members online.
 */
import type { Socket } from 'socket.io-client';
import { io as connectSocket } from 'socket.io-client';
import type { HarbourProc, Proc } from './procs';
import { connect, pool, publicOrigin, signIn, type Session } from './clients';
import { PASSWORD, seedGroup, type SeededGroup } from './seed';

export interface Sizes {
  /** Scenario B/D group sizes. */
  groups: number[];
  /** Approvals measured per group size in B (and per phase in E). */
  samples: number;
  /** Scenario B through the cluster module (1 vs 3 instances). */
  clusterMembers: number;
  /** Scenario C: seconds of sustained approvals, groups of 20. */
  sustainSeconds: number;
  sustainGroups: number;
  /** Scenario A: seconds of load per side, connections. */
  pageSeconds: number;
  pageConnections: number;
  /** Scenario D: connected members measured. */
  memoryMembers: number;
  /** Scenario E: group size and parallel sign-ins. */
  loginMembers: number;
  loginConcurrency: number;
}

/** BENCH_GROUPS=20,200 measures only those group sizes in B and D. */
const groupSizes = process.env.BENCH_GROUPS?.split(',')
  .map(Number)
  .filter((n) => n > 0);

export const FULL: Sizes = {
  groups: groupSizes?.length ? groupSizes : [20, 200, 1000],
  samples: 100,
  clusterMembers: 200,
  sustainSeconds: Number(process.env.BENCH_SUSTAIN_SECONDS ?? 60),
  sustainGroups: 50,
  pageSeconds: 10,
  pageConnections: 50,
  memoryMembers: 1000,
  loginMembers: 200,
  loginConcurrency: 2,
};

export const SMOKE: Sizes = {
  groups: [5],
  samples: 5,
  clusterMembers: 5,
  sustainSeconds: 2,
  sustainGroups: 2,
  pageSeconds: 1,
  pageConnections: 5,
  memoryMembers: 5,
  loginMembers: 5,
  loginConcurrency: 1,
};

export interface BenchContext {
  harbour: HarbourProc;
  /** The Origin clients send; default: the https:// form of the server's address. */
  origin?: string;
  raw: Proc & { baseUrl: string };
  sizes: Sizes;
  smoke: boolean;
  log(line: string): void;
}

export interface OnlineGroup {
  group: SeededGroup;
  moderator: Socket;
  moderatorSession: Session;
  members: Socket[];
  memberSessions: Session[];
  close(): void;
}

/** Seeds a group of `size` members and signs everyone in (sockets not yet connected). */
export async function signedInGroup(ctx: BenchContext, size: number) {
  const group = await seedGroup(size);
  const base = ctx.harbour.baseUrl;
  const origin = ctx.origin ?? publicOrigin(base);
  const moderatorSession = await signIn(
    base,
    group.moderator.email,
    PASSWORD,
    group.moderator.totpSecret,
    origin,
  );
  const memberSessions = await pool(group.members, 8, (m) =>
    signIn(base, m.email, PASSWORD, undefined, origin),
  );
  return { group, moderatorSession, memberSessions };
}

export async function onlineGroup(ctx: BenchContext, size: number): Promise<OnlineGroup> {
  const { group, moderatorSession, memberSessions } = await signedInGroup(ctx, size);
  const moderator = await connect(moderatorSession);
  const members = await pool(memberSessions, 20, (s) => connect(s));
  return {
    group,
    moderator,
    moderatorSession,
    members,
    memberSessions,
    close() {
      moderator.close();
      members.forEach((s) => s.close());
    },
  };
}

/** `size` raw Socket.IO clients in one room of the baseline, plus the one that triggers. */
export async function rawRoom(ctx: BenchContext, room: string, size: number) {
  const open = (): Promise<Socket> => {
    const socket = connectSocket(ctx.raw.baseUrl, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      query: { room },
    });
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', reject);
    });
  };
  const trigger = await open();
  const members = await pool(
    Array.from({ length: size }, (_, i) => i),
    20,
    () => open(),
  );
  return {
    trigger,
    members,
    close() {
      trigger.close();
      members.forEach((s) => s.close());
    },
  };
}
