/**
 * Every user-facing string, in plain words for people who may be tired or unwell. Group by area;
 * functions for strings with values.
 */
import { groupsEn } from './en-groups';

export const en = {
  ...groupsEn,
  site: {
    name: 'Harbour',
    tagline: 'Private, moderated support groups',
  },
  errors: {
    notFound: 'We could not find that page. It may have moved, or the link may be wrong.',
    internal: 'Something went wrong on our side. Please try again in a moment.',
    csrf: 'This form has expired. Please go back, reload the page and try again.',
    rateLimited: (minutes: number) =>
      `Too many attempts. Please wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again.`,
    signInRequired: 'Please sign in to continue.',
  },
} as const;
