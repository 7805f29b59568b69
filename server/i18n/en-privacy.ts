/**
 * Strings for notification settings, e-mails, data export, account deletion, memorial accounts,
 * retention and private messages (spread into `en`). Plain words; e-mails never carry post text.
 */
export const privacyEn = {
  notificationSettings: {
    title: 'Notification settings',
    intro:
      'Choose what you hear about, and how. E-mails never contain what anyone wrote. By default they do not name the group either.',
    kindColumn: 'What happened',
    inAppColumn: 'In Harbour',
    emailColumn: 'By e-mail',
    emailModes: { off: 'No e-mail', immediately: 'Straight away', daily: 'Once a day' },
    mentionLegend: 'What may an e-mail say?',
    mentionNothing: 'Nothing: just that there is new activity (recommended)',
    mentionGroup: 'The name of the group',
    save: 'Save settings',
    saved: 'Your notification settings are saved.',
    link: 'Notification settings',
    kinds: {
      post_approved: 'My post was approved',
      post_rejected: 'My post was not published',
      post_edited_by_moderator: 'A moderator edited my post',
      post_hidden: 'My post was hidden',
      reply: 'Someone replied to my post',
      reactions: 'Reactions to my posts',
      invitation_accepted: 'Someone joined with my invitation',
      queue_item: 'A new post is waiting for review (moderators)',
      queue_waiting: 'A post has waited too long (moderators)',
      threat_alert: 'A post may contain a threat (moderators)',
      document_version: 'New rules or documents to accept',
      membership_changed: 'Changes to my membership',
      private_message: 'Private messages',
      pm_reported: 'A private conversation was reported (moderators)',
    } as Record<string, string>,
  },
  email: {
    subject: 'You have new activity in Harbour',
    body: (url: string, settingsUrl: string) =>
      `You have new activity in Harbour.\n\nSign in to see it: ${url}\n\nTo change which e-mails you get: ${settingsUrl}\n`,
    bodyWithGroups: (groups: string, url: string, settingsUrl: string) =>
      `You have new activity in Harbour (${groups}).\n\nSign in to see it: ${url}\n\nTo change which e-mails you get: ${settingsUrl}\n`,
    digestSubject: 'Your daily Harbour summary',
    digestBody: (n: number, url: string, settingsUrl: string) =>
      `You have ${n} new notification${n === 1 ? '' : 's'} in Harbour.\n\nSign in to see them: ${url}\n\nTo change which e-mails you get: ${settingsUrl}\n`,
    digestBodyWithGroups: (n: number, groups: string, url: string, settingsUrl: string) =>
      `You have ${n} new notification${n === 1 ? '' : 's'} in Harbour (${groups}).\n\nSign in to see them: ${url}\n\nTo change which e-mails you get: ${settingsUrl}\n`,
  },
  notificationsExtra: {
    document_version: (group: string) =>
      group
        ? `${group} has new rules or documents. Please read and accept them to keep posting.`
        : 'There are new documents to read and accept.',
    queue_waiting: (group: string) => `A post in ${group} has waited longer than the target.`,
    private_message: 'You have a new private message.',
    pm_reported: (group: string) => `A private conversation was reported in ${group}.`,
    pm_request: 'Someone would like to send you private messages.',
    navLabel: 'Notifications',
    unreadBadge: (n: number) => `${n} unread`,
  },
  dataRights: {
    title: 'Your data',
    intro:
      'Download a copy of everything Harbour holds about you, or delete your account. Both are yours to do at any time.',
    exportTitle: 'Download your data',
    exportIntro:
      'We prepare a file with your profile, memberships, consents, posts and replies (with their review history), reactions, notifications, reports you made, decisions about you and your private messages. It is kept for 7 days, then deleted.',
    exportButton: 'Prepare my data',
    exportQueued: 'We are preparing your data. This page shows the progress.',
    exportProgress: (p: number) => `Preparing: ${p}% done.`,
    exportReady: (until: string) => `Your data is ready. You can download it until ${until}.`,
    exportFailed: 'Preparing your data did not work. Please try again.',
    downloadJson: 'Download (JSON, for computers)',
    downloadHtml: 'Download (web page, easy to read)',
    exportTooSoon: 'A copy is already being prepared.',
    htmlTitle: 'Your data from Harbour',
    deleteTitle: 'Delete your account',
    deleteIntro:
      'This cannot be undone. You will be signed out everywhere, and your e-mail address and name are erased.',
    postsChoice: 'What should happen to your published posts?',
    postsRemove: 'Remove them',
    postsKeep: 'Keep them, shown as written by "a former member"',
    passwordLabel: 'Your password, to confirm',
    deleteButton: 'Delete my account',
    deleted: 'Your account has been deleted. Thank you for being part of Harbour.',
    passwordWrong: 'That password is not right.',
  },
  adminAccounts: {
    title: 'Accounts: erasure and memorial',
    intro:
      'Act on a request: erase an account (its owner asked, e.g. by letter) or turn it into a memorial at a family’s request. Every action is recorded in the audit trail.',
    userIdLabel: 'Account id',
    reasonLabel: 'Reason (kept in the audit trail; no names or e-mail addresses)',
    erase: 'Erase account',
    memorial: 'Make memorial account',
    erased: 'The account has been erased.',
    memorialised: 'The account is now a memorial: nobody can sign in to it and its posts stay.',
    notFound: 'No active account with that id.',
    jobsTitle: 'Scheduled jobs',
    runNow: 'Run retention now',
    jobNever: 'Has not run yet.',
    jobOk: (at: string, counts: string) => `Last run ${at}: done. ${counts}`,
    jobFailed: (at: string, error: string) => `Last run ${at}: FAILED (${error}).`,
  },
  messages: {
    title: 'Private messages',
    intro:
      'Private messages are possible only with people who share a group with you, where the group allows them, and only once they accept.',
    none: 'No conversations yet.',
    start: 'Ask to send private messages',
    startIntro: 'Choose a person from a group you share (where private messages are allowed).',
    recipientLabel: 'Person',
    requestSent: 'Your request was sent. You can write once they accept.',
    requestPending: 'Waiting for them to accept.',
    requestIncoming: (name: string) => `${name} would like to send you private messages.`,
    accept: 'Accept',
    decline: 'Decline',
    block: 'Block',
    unblock: 'Unblock',
    blocked: 'This conversation is blocked.',
    report: 'Report this conversation',
    reportReasonLabel:
      'What is wrong? (moderators of a group you share will read the conversation)',
    reported: 'Thank you. A moderator will look at this conversation.',
    messageLabel: 'Message',
    send: 'Send',
    moderatorAccess: (when: string) =>
      `A moderator read this conversation on ${when} because it was reported.`,
    reportedTitle: 'Reported conversations',
    notAllowed: 'Private messages are not possible here.',
    with: (name: string) => `Conversation with ${name}`,
    openLink: 'Open',
    enableLabel: 'Allow private messages between members of this group',
    isOn: 'on',
    isOff: 'off',
    turnOn: 'Turn on',
    turnOff: 'Turn off',
  },
} as const;
