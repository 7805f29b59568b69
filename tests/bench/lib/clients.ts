/**
 * Load-generator side clients. Production cookies are Secure (`__Host-harbour`), so the harness
 * keeps the cookie itself and plays the TLS proxy (X-Forwarded-Proto: https).
 */
import { generateSync } from 'otplib';
import { io as connectSocket, type Socket } from 'socket.io-client';

export const PROXY_HEADERS = { 'x-forwarded-proto': 'https' } as const;

/** The origin a browser would send: the public https:// address the proxy serves. */
export function publicOrigin(baseUrl: string): string {
  return baseUrl.replace(/^http:/, 'https:');
}

export interface Session {
  baseUrl: string;
  cookie: string;
  /** The Origin this client sends (the public address the server expects). */
  origin: string;
}

function csrfFrom(html: string): string {
  const match = /<meta name="csrf-token" content="([^"]*)">/.exec(html);
  if (!match?.[1]) throw new Error('no CSRF token on the page');
  return match[1];
}

function cookieFrom(res: Response, previous: string): string {
  const found = res.headers
    .getSetCookie()
    .find((c) => /^(__Host-harbour|harbour\.sid)=/.test(c))
    ?.split(';')[0];
  return found ?? previous;
}

async function get(baseUrl: string, path: string, cookie: string) {
  const res = await fetch(baseUrl + path, {
    headers: { ...PROXY_HEADERS, ...(cookie ? { cookie } : {}) },
    redirect: 'manual',
  });
  return { res, text: await res.text(), cookie: cookieFrom(res, cookie) };
}

async function postForm(
  baseUrl: string,
  origin: string,
  path: string,
  cookie: string,
  form: Record<string, string>,
) {
  const res = await fetch(baseUrl + path, {
    method: 'POST',
    headers: {
      ...PROXY_HEADERS,
      'content-type': 'application/x-www-form-urlencoded',
      origin,
      ...(cookie ? { cookie } : {}),
    },
    body: new URLSearchParams(form).toString(),
    redirect: 'manual',
  });
  await res.text();
  return { res, cookie: cookieFrom(res, cookie) };
}

/**
 * Signs in through the real form; with `totpSecret`, answers the second-factor page with a code
 * for the current time step (each step works once per account).
 */
export async function signIn(
  baseUrl: string,
  email: string,
  password: string,
  totpSecret?: string,
  origin = publicOrigin(baseUrl),
): Promise<Session> {
  const page = await get(baseUrl, '/login', '');
  const login = await postForm(baseUrl, origin, '/login', page.cookie, {
    _csrf: csrfFrom(page.text),
    email,
    password,
  });
  if (login.res.status !== 303) throw new Error(`sign-in failed with status ${login.res.status}`);
  let cookie = login.cookie;
  const location = login.res.headers.get('location') ?? '/';
  if (location === '/login/code') {
    if (!totpSecret) throw new Error('account asks for a second factor');
    const codePage = await get(baseUrl, '/login/code', cookie);
    cookie = codePage.cookie;
    const code = generateSync({ secret: totpSecret });
    const done = await postForm(baseUrl, origin, '/login/code', cookie, {
      _csrf: csrfFrom(codePage.text),
      code,
    });
    if (done.res.status !== 303) throw new Error(`second factor failed: ${done.res.status}`);
    cookie = done.cookie;
  }
  return { baseUrl, cookie, origin };
}

/** A connected Socket.IO client on this session (websocket only, no reconnection). */
export function connect(session: Session): Promise<Socket> {
  const socket = connectSocket(session.baseUrl, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    extraHeaders: {
      cookie: session.cookie,
      origin: session.origin,
      ...PROXY_HEADERS,
    },
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

export interface Ack<T = unknown> {
  ok: boolean;
  data?: T;
  error?: { code: string; message: string };
}

export function emitAck<T>(socket: Socket, event: string, payload: unknown): Promise<Ack<T>> {
  return new Promise((resolve, reject) => {
    socket
      .timeout(30_000)
      .emit(event, payload, (err: Error | null, ack: Ack<T>) => (err ? reject(err) : resolve(ack)));
  });
}

/** Runs `fn` over items with at most `limit` in flight. */
export async function pool<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
) {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T, i);
      }
    }),
  );
  return out;
}
