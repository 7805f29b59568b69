import { DocumentVersion } from '../../models';

/** Current version numbers of the site-wide documents (terms of use, privacy notice). */
export async function currentSiteVersions(): Promise<{
  terms: number | null;
  privacy: number | null;
}> {
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
