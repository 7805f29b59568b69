import {
  bannerContentChanged,
  bannerState,
  canManageAnnouncements,
  canPin,
  isBannerShown,
  isQuiet,
  safeSourceUrl,
} from '../../../server/policies/announcements';
import { parseLocalDateTime } from '../../../server/schemas/announcements';
import { instantFromLocal, localInputValue } from '../../../server/services/local-time';

const at = (iso: string) => new Date(iso);

describe('banner periods', () => {
  const banner = { startsAt: at('2026-03-02T12:00:00Z'), endsAt: at('2026-03-02T13:00:00Z') };
  it('is upcoming before its start, shown from its start, gone at its end', () => {
    expect(bannerState(banner, at('2026-03-02T11:59:59Z'))).toBe('upcoming');
    expect(bannerState(banner, at('2026-03-02T12:00:00Z'))).toBe('active');
    expect(bannerState(banner, at('2026-03-02T12:59:59Z'))).toBe('active');
    expect(bannerState(banner, at('2026-03-02T13:00:00Z'))).toBe('ended');
    expect(
      bannerState({ startsAt: banner.startsAt, endsAt: null }, at('2030-01-01T00:00:00Z')),
    ).toBe('active');
  });

  it('a dismissal hides only the revision it was made for, or older', () => {
    const now = at('2026-03-02T12:30:00Z');
    const shown = { ...banner, revision: 3 };
    expect(isBannerShown(shown, null, now)).toBe(true);
    expect(isBannerShown(shown, 2, now)).toBe(true);
    expect(isBannerShown(shown, 3, now)).toBe(false);
    expect(isBannerShown(shown, null, at('2026-03-02T13:30:00Z'))).toBe(false);
  });

  it('text, kind, start or end count as a change; nothing else does', () => {
    const base = { kind: 'info', text: 'Hello', startsAt: banner.startsAt, endsAt: null };
    expect(bannerContentChanged(base, { ...base, startsAt: new Date(banner.startsAt) })).toBe(
      false,
    );
    expect(bannerContentChanged(base, { ...base, text: 'Hello!' })).toBe(true);
    expect(bannerContentChanged(base, { ...base, kind: 'crisis' })).toBe(true);
    expect(bannerContentChanged(base, { ...base, startsAt: at('2026-03-02T12:01:00Z') })).toBe(
      true,
    );
    expect(bannerContentChanged(base, { ...base, endsAt: banner.endsAt })).toBe(true);
  });
});

describe('source links of moderators’ notes', () => {
  it('keeps absolute http(s) addresses, normalised', () => {
    expect(safeSourceUrl(' https://www.cancer.ie/ ')).toBe('https://www.cancer.ie/');
    expect(safeSourceUrl('HTTP://Example.org/a b')).toBe('http://example.org/a%20b');
  });
  it.each([
    'javascript:alert(1)',
    ' JavaScript:alert(1)',
    'data:text/html,x',
    'vbscript:x',
    'file:///etc/passwd',
    '//example.org/',
    '/relative/path',
    'https://user:secret@example.org/',
    'x'.repeat(2001),
    '',
  ])('refuses %s', (url) => {
    expect(safeSourceUrl(url)).toBeNull();
  });
});

describe('pins, staff and the quiet-group warning', () => {
  it('pins published top-level posts only', () => {
    expect(canPin({ status: 'approved', parent: null })).toBe('ok');
    expect(canPin({ status: 'approved', parent: 'p1' })).toBe('reply');
    for (const status of ['pending', 'rejected', 'withdrawn', 'hidden', 'scheduled']) {
      expect(canPin({ status, parent: null })).toBe('not_published');
    }
  });

  it('announcements are for moderators and administrators', () => {
    expect(canManageAnnouncements({ isModerator: true, isAdmin: false })).toBe(true);
    expect(canManageAnnouncements({ isModerator: false, isAdmin: true })).toBe(true);
    expect(canManageAnnouncements({ isModerator: false, isAdmin: false })).toBe(false);
  });

  it('warns after exactly N days without a post (from the group’s start if it never had one)', () => {
    const created = at('2026-01-01T00:00:00Z');
    const last = at('2026-03-02T10:00:00Z');
    expect(isQuiet(last, created, 7, at('2026-03-09T09:59:59Z'))).toBe(false);
    expect(isQuiet(last, created, 7, at('2026-03-09T10:00:00Z'))).toBe(true);
    expect(isQuiet(last, created, 0, at('2027-01-01T00:00:00Z'))).toBe(false);
    expect(isQuiet(null, created, 7, at('2026-01-07T23:00:00Z'))).toBe(false);
    expect(isQuiet(null, created, 7, at('2026-01-08T00:00:00Z'))).toBe(true);
  });
});

describe('date-time fields in a time zone', () => {
  it('reads a datetime-local value and refuses impossible ones', () => {
    expect(parseLocalDateTime('2026-03-05T14:30')).toEqual({
      year: 2026,
      month: 3,
      day: 5,
      hour: 14,
      minute: 30,
    });
    expect(parseLocalDateTime('2026-03-05 14:30')).not.toBeNull();
    for (const bad of ['2026-02-30T10:00', '2026-13-01T10:00', '2026-03-05T24:00', '5/3/2026']) {
      expect(parseLocalDateTime(bad)).toBeNull();
    }
  });

  it('turns wall-clock times into instants across a daylight-saving change, and back', () => {
    // Dublin: GMT until 29 March 2026 01:00 UTC, then IST (UTC+1).
    expect(instantFromLocal('2026-03-28T12:00', 'Europe/Dublin')?.toISOString()).toBe(
      '2026-03-28T12:00:00.000Z',
    );
    expect(instantFromLocal('2026-03-30T12:00', 'Europe/Dublin')?.toISOString()).toBe(
      '2026-03-30T11:00:00.000Z',
    );
    expect(instantFromLocal('2026-03-02T09:00', 'America/New_York')?.toISOString()).toBe(
      '2026-03-02T14:00:00.000Z',
    );
    expect(localInputValue(at('2026-03-30T11:00:00Z'), 'Europe/Dublin')).toBe('2026-03-30T12:00');
  });
});
