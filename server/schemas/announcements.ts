import { z } from 'zod';
import { BANNER_KINDS, BANNER_TEXT_MAX } from '../../models/banner';
import { en } from '../i18n/en';
import { safeSourceUrl } from '../policies/announcements';
import { idempotencyKey, postBody } from './posts';

/**
 * Input schemas of banners, pins, moderators' notes, scheduled announcements and the quiet-group
 * setting, shared by the HTTP routes and the services.
 */
const a = () => en.announcements;
const objectId = z.string().regex(/^[0-9a-f]{24}$/i, 'Not a valid id.');
const groupRef = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9-]+$/i, 'Not a valid group.');

/** A wall-clock time as a `datetime-local` field sends it ("2026-03-05T14:30"; a space works too). */
export const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})$/;

export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

export function parseLocalDateTime(value: string): LocalDateTime | null {
  const m = LOCAL_DATE_TIME.exec(value.trim());
  if (!m) return null;
  const [year, month, day, hour, minute] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59) {
    return null;
  }
  return { year, month, day, hour, minute };
}

const localDateTime = () =>
  z
    .string()
    .trim()
    .refine((v) => parseLocalDateTime(v) !== null, a().banners.errors.badTime);

/** An optional date-time field: empty means "not given". */
const optionalLocal = () =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    localDateTime().optional(),
  );

/** Plain one-paragraph text: control characters dropped, runs of white space made one space. */
const bannerText = z
  .string({ error: a().banners.errors.textRequired })
  .max(BANNER_TEXT_MAX * 4, a().banners.errors.tooLong)
  .transform((s) =>
    s
      // eslint-disable-next-line no-control-regex -- removing control characters is the point
      .replace(/[\u0000-\u001f\u007f]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  )
  .pipe(
    z
      .string()
      .min(1, a().banners.errors.textRequired)
      .max(BANNER_TEXT_MAX, a().banners.errors.tooLong),
  );

export const bannerSchema = z.object({
  kind: z.enum(BANNER_KINDS),
  text: bannerText,
  startsAt: optionalLocal(),
  endsAt: optionalLocal(),
});
export type BannerInput = z.infer<typeof bannerSchema>;

export const bannerEditSchema = bannerSchema.extend({
  bannerId: objectId,
  revision: z.coerce.number().int().min(1).max(1_000_000),
});
export type BannerEditInput = z.infer<typeof bannerEditSchema>;

export const bannerRefSchema = z.object({ bannerId: objectId });
export type BannerRefInput = z.infer<typeof bannerRefSchema>;

/** The revision the person saw: a later change brings the banner back. */
export const dismissSchema = z.object({
  bannerId: objectId,
  revision: z.coerce.number().int().min(1).max(1_000_000),
});
export type DismissInput = z.infer<typeof dismissSchema>;

const sourceLink = z.object({
  url: z
    .string()
    .max(2000, a().notes.errors.badUrl)
    .transform((v, ctx) => {
      const safe = safeSourceUrl(v);
      if (!safe) {
        ctx.addIssue({ code: 'custom', message: a().notes.errors.badUrl });
        return z.NEVER;
      }
      return safe;
    }),
  label: z
    .string()
    .max(200)
    .optional()
    .transform((s) => (s ?? '').replace(/\s+/g, ' ').trim()),
});

export const postNoteSchema = z.object({
  postId: objectId,
  body: z
    .string({ error: a().notes.errors.bodyRequired })
    .max(2000)
    .transform((s) => s.replace(/\r\n?/g, '\n').trim())
    .pipe(z.string().min(1, a().notes.errors.bodyRequired).max(1000)),
  links: z.array(sourceLink).min(1, a().notes.errors.linkRequired).max(3),
});
export type PostNoteInput = z.infer<typeof postNoteSchema>;

export const postRefSchema = z.object({ postId: objectId });
export type PostRef = z.infer<typeof postRefSchema>;

export const announcementSchema = z.object({
  group: groupRef,
  body: postBody,
  publishAt: localDateTime(),
  idempotencyKey,
});
export type AnnouncementInput = z.infer<typeof announcementSchema>;

export const announcementEditSchema = z.object({
  group: groupRef,
  postId: objectId,
  body: postBody,
  publishAt: localDateTime(),
  version: z.coerce.number().int().min(1).max(1_000_000),
});
export type AnnouncementEditInput = z.infer<typeof announcementEditSchema>;

export const announcementRefSchema = z.object({ group: groupRef, postId: objectId });
export type AnnouncementRefInput = z.infer<typeof announcementRefSchema>;

export const quietSettingSchema = z.object({
  group: groupRef,
  days: z.coerce.number().int().min(0).max(365),
});
export type QuietSettingInput = z.infer<typeof quietSettingSchema>;
