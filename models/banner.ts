import { InferSchemaType, Schema, model, Types } from 'mongoose';

export const BANNER_SCOPES = ['site', 'group'] as const;
export type BannerScope = (typeof BANNER_SCOPES)[number];
export const BANNER_KINDS = ['status', 'crisis', 'info'] as const;
export type BannerKind = (typeof BANNER_KINDS)[number];
export const BANNER_TEXT_MAX = 300;

/**
 * A notice shown at the top of pages between `startsAt` and `endsAt` (open-ended when null):
 * site-wide on every signed-in page (administrators), or inside one group only (its moderators).
 * `revision` goes up whenever the text, kind or period changes, so a dismissal of an older
 * revision no longer hides it. Edits are conditional on the revision (no lost updates).
 */
const bannerSchema = new Schema(
  {
    scope: { type: String, enum: BANNER_SCOPES, required: true },
    group: { type: Schema.Types.ObjectId, ref: 'Group', default: null },
    kind: { type: String, enum: BANNER_KINDS, required: true },
    text: { type: String, required: true, maxlength: BANNER_TEXT_MAX },
    startsAt: { type: Date, required: true },
    endsAt: { type: Date, default: null },
    revision: { type: Number, default: 1, required: true },
    createdBy: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    updatedBy: { type: Schema.Types.ObjectId, ref: 'User', default: null },
    /** Set when someone ended it before its end (the end then moves to that moment). */
    endedEarlyAt: { type: Date, default: null },
  },
  { timestamps: true },
);
bannerSchema.index({ scope: 1, group: 1, startsAt: -1 });

export type BannerFields = InferSchemaType<typeof bannerSchema>;
export type BannerDoc = BannerFields & { _id: Types.ObjectId };
export const Banner = model('Banner', bannerSchema);

/** One person put away one revision of a banner. One document per (user, banner). */
const bannerDismissalSchema = new Schema({
  user: { type: Schema.Types.ObjectId, ref: 'User', required: true },
  banner: { type: Schema.Types.ObjectId, ref: 'Banner', required: true },
  revision: { type: Number, required: true },
  at: { type: Date, required: true },
});
bannerDismissalSchema.index({ user: 1, banner: 1 }, { unique: true });
bannerDismissalSchema.index({ banner: 1 });

export type BannerDismissalFields = InferSchemaType<typeof bannerDismissalSchema>;
export type BannerDismissalDoc = BannerDismissalFields & { _id: Types.ObjectId };
export const BannerDismissal = model('BannerDismissal', bannerDismissalSchema);
