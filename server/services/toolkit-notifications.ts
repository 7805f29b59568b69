import type { NotificationKind } from '../../models';
import { en } from '../i18n/en';
import type { NotificationData } from './notifications';

/** Texts and links of the moderators' toolkit notifications (hidden posts, sanctions, appeals). */
export function toolkitNotificationText(
  kind: NotificationKind,
  data: NotificationData,
): string | null {
  const group = data.groupName ?? '';
  const n = en.toolkitNotifications;
  switch (kind) {
    case 'post_hidden':
      return n.postHidden(group, data.ruleTitle ?? '');
    case 'membership_changed':
      return n.membership(
        group,
        data.status ?? 'active',
        data.until ?? null,
        data.ruleTitle ?? null,
      );
    case 'appeal_assigned':
      return n.appealAssigned(group);
    case 'report_received':
      return n.reportReceived(group);
    case 'appeal_decided':
      return data.outcome === 'overturned' ? n.appealOverturned(group) : n.appealUpheld(group);
    default:
      return null;
  }
}

export function toolkitNotificationHref(
  kind: NotificationKind,
  slug: string | undefined,
): string | null {
  switch (kind) {
    case 'post_hidden':
    case 'membership_changed':
    case 'appeal_decided':
      return '/me/decisions';
    case 'appeal_assigned':
      return slug ? `/g/${slug}/appeals` : null;
    case 'report_received':
      return slug ? `/g/${slug}/reports` : null;
    default:
      return null;
  }
}
