import { DocumentVersion } from '../../models';

export interface SiteVersions {
  terms: number | null;
  privacy: number | null;
}

/**
 * Every request inside a group checks consent against these two numbers, and they change a few
 * times a year: this process keeps them for a moment instead of asking the database twice per
 * request. Publishing here forgets them at once; another instance notices within this time.
 */
const SITE_VERSIONS_TTL_MS = 2_000;
let cached: { at: number; value: Promise<SiteVersions> } | null = null;

async function loadSiteVersions(): Promise<SiteVersions> {
  const [terms, privacy] = await Promise.all(
    (['terms', 'privacy'] as const).map((kind) =>
      DocumentVersion.findOne({ kind, group: null })
        .sort({ version: -1 })
        .select({ version: 1 })
        .lean(),
    ),
  );
  return { terms: terms?.version ?? null, privacy: privacy?.version ?? null };
}

/** Current version numbers of the site-wide documents (terms of use, privacy notice). */
export function currentSiteVersions(): Promise<SiteVersions> {
  const now = performance.now();
  if (cached && now - cached.at < SITE_VERSIONS_TTL_MS) return cached.value;
  const entry = { at: now, value: loadSiteVersions() };
  cached = entry;
  // A failed read is not kept: the next caller asks again.
  entry.value.catch(() => {
    if (cached === entry) cached = null;
  });
  return entry.value;
}

/** Called after a site document is published (or seeded) in this process. */
export function forgetSiteVersions(): void {
  cached = null;
}
