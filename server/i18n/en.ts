/**
 * Every user-facing string, in plain words for people who may be tired or unwell. Group by area;
 * functions for strings with values.
 */
import { groupsEn } from './en-groups';
import { moderationEn } from './en-moderation';
import { privacyEn } from './en-privacy';
import { coverageEn, orgVoiceEn } from './en-coverage';
import { accountsEn } from './en-accounts';
import { topicsEn } from './en-topics';
import { announcementsEn } from './en-announcements';

export const en = {
  ...groupsEn,
  ...moderationEn,
  ...privacyEn,
  ...coverageEn,
  ...orgVoiceEn,
  ...accountsEn,
  ...topicsEn,
  ...announcementsEn,
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
    payloadTooLarge: 'That is more than we can take in one go. Please send less.',
    badRequest: 'We could not understand that request.',
    validation: 'Please check what you entered.',
    secondFactorRequired: 'Please finish signing in with your code first.',
    sameOrigin: 'This request came from another website and was refused.',
    busy: 'Harbour is very busy just now. Please try again in a few seconds.',
  },
  ui: {
    groupMenu: (group: string) => `${group}: group menu`,
    writeJump: 'Write a post (jump to the writing box)',
    shortcutsOn: 'Use the single-key shortcuts',
    queueDone: 'Done.',
    connectionLost:
      'The live connection was lost. We are reconnecting. What you write stays in the box and you can send it when we are back.',
    connectionBack: 'Connected again. You are up to date.',
    decidedRejected:
      'A moderator did not publish your post. The reason is shown under it; you can revise it and send it again.',
  },
  nav: {
    skip: 'Skip to main content',
    home: 'My groups',
    profile: 'My account',
    admin: 'Administration',
    signIn: 'Sign in',
    signOut: 'Sign out',
    label: 'Main',
  },
  home: {
    title: 'Harbour',
    intro:
      'Harbour is a place for private support groups. Each group is invitation-only and looked after by moderators: nothing you write is shown to the group until a moderator has read it.',
    howToJoin:
      'You join a group with an invitation from its organisers. If you already have an account, sign in to see your groups.',
    myGroups: 'My groups',
    noGroups:
      'You are not in any group yet. When an organiser invites you, the group will appear here.',
    openGroup: (name: string) => `Open ${name}`,
  },
  auth: {
    signInTitle: 'Sign in',
    email: 'E-mail address',
    password: 'Password',
    signInButton: 'Sign in',
    loginFailed: 'That e-mail address and password do not match an account. Please try again.',
    signedOut: 'You have signed out.',
    sessionEnded: 'Your session has ended. Please sign in again.',
    codeTitle: 'Enter your code',
    codeIntro: 'Open your authenticator app and type the 6-digit code it shows for Harbour.',
    code: 'Code',
    codeHint: 'Or type one of your recovery codes.',
    codeButton: 'Continue',
    codeInvalid:
      'That code did not work. Codes change every 30 seconds: please try the newest one.',
    setupTitle: 'Create the first administrator',
    setupIntro:
      'This link works once. The account you create here will look after Harbour: it can create groups and appoint their moderators.',
    displayName: 'Display name',
    displayNameHint: 'Shown to other people. A first name or a nickname is fine.',
    passwordHint: (min: number) =>
      `At least ${min} characters. A few unrelated words make a strong password that is easy to remember. Spaces and emoji are fine.`,
    setupButton: 'Create administrator',
    setupInvalid: 'This set-up link is not valid any more. Restart Harbour to get a new one.',
    setupDone: 'Your administrator account is ready. Please sign in.',
  },
  password: {
    too_short: (min: number) => `Please use at least ${min} characters.`,
    too_long: 'Please use at most 1024 characters.',
    common: 'That password is too common and easy to guess. Please choose another.',
    contains_email: 'Please do not use your e-mail address as your password.',
  },
  account: {
    title: 'My account',
    nameSection: 'Display name',
    nameButton: 'Save name',
    nameSaved: 'Your display name is saved.',
    passwordSection: 'Change password',
    currentPassword: 'Current password',
    newPassword: 'New password',
    passwordButton: 'Change password',
    passwordChanged: 'Your password is changed. You have been signed out everywhere else.',
    currentPasswordWrong: 'Your current password is not right.',
    twoFactorSection: 'Two-step sign-in',
    twoFactorOn: 'Two-step sign-in is on.',
    twoFactorOff: 'Two-step sign-in is off.',
    twoFactorRequired:
      'Your role needs two-step sign-in. Please set it up now: it protects the people in your groups.',
    twoFactorOffer: 'Two-step sign-in asks for a code from an app on your phone when you sign in.',
    twoFactorSetUp: 'Set up two-step sign-in',
    twoFactorTitle: 'Set up two-step sign-in',
    twoFactorScan:
      'Scan this picture with an authenticator app (for example the one built into your phone), or type the key below into it. Then enter the 6-digit code it shows.',
    twoFactorKey: 'Key',
    twoFactorQrAlt: 'QR code for your authenticator app',
    twoFactorEnable: 'Turn on',
    twoFactorEnabled: 'Two-step sign-in is on.',
    recoveryTitle: 'Your recovery codes',
    recoveryIntro:
      'Keep these codes somewhere safe. Each works once, if you lose your phone. They will not be shown again.',
    recoveryDone: 'I have saved them',
    twoFactorDisable: 'Turn off two-step sign-in',
    twoFactorDisabled: 'Two-step sign-in is off.',
    twoFactorCannotDisable: 'Your role needs two-step sign-in, so it cannot be turned off.',
    twoFactorDisableNeedsLongPassword:
      'Without two-step sign-in your password must have at least 15 characters. Please change your password first.',
    signOutEverywhere: 'Sign out everywhere',
    signOutEverywhereHint: 'Ends every session, on every device, including this one.',
  },
  admin: {
    title: 'Administration',
    outbox: 'Outgoing e-mail (development outbox)',
    outboxIntro:
      'Harbour has no mail server set up (SMTP_URL), so e-mails are kept here instead of being sent.',
    outboxEmpty: 'No e-mail yet.',
    to: 'To',
    subject: 'Subject',
    sent: 'Written',
  },
  pages: {
    notFoundTitle: 'Page not found',
    errorTitle: 'Something went wrong',
    forbiddenTitle: 'Not allowed',
    tooManyTitle: 'Please wait',
    badRequestTitle: 'Please check the form',
    backHome: 'Go to the start page',
  },
  posts: {
    conversationLink: 'Conversation',
    pageTitle: (group: string) => `${group}: conversation`,
    composerLabel: 'Write to the group',
    replyLabel: 'Write a reply',
    send: 'Send for review',
    sendAnyway: 'Send anyway',
    editAgain: 'Edit my post',
    loadEarlier: 'Load earlier posts',
    noPosts: 'Nothing here yet. Posts appear once a moderator has read them.',
    unreadMarker: 'New since your last visit',
    newBadge: 'New',
    newLabel: 'new posts',
    sendAgain: 'If you still want to send it as it is, press Send again.',
    unreadCount: (n: number) => `${n} new`,
    waiting: 'Waiting for a moderator',
    waitingHelp: 'Only you and the moderators can see this until it is approved.',
    rejected: 'Not published',
    withdrawn: 'Withdrawn',
    withdraw: 'Withdraw',
    edit: 'Edit',
    save: 'Save changes',
    resubmit: 'Revise and resubmit',
    reply: 'Reply',
    replies: (n: number) => `${n} repl${n === 1 ? 'y' : 'ies'}`,
    editedByModerator: 'Edited by a moderator',
    you: 'You',
    charactersLeft: (n: number) => `${n} characters left`,
    charsLeftLabel: 'characters left',
    newPostsAnnouncement: (n: number) => `${n} new post${n === 1 ? '' : 's'} in the conversation`,
    waitOpen: (minutes: number) =>
      minutes <= 1
        ? 'A moderator usually reads new posts within a minute or two.'
        : `A moderator usually reads new posts within about ${minutes} minutes.`,
    reviewHours: (days: string, start: string, end: string) =>
      `Moderators review posts ${days}, ${start}–${end}`,
    reviewResumes: (hours: string, when: string) => `${hours}; yours will be read ${when}.`,
    todayFrom: (time: string) => `today from ${time}`,
    dayFrom: (day: string, time: string) => `from ${day} ${time}`,
    everyDay: 'every day',
    rejectedBecause: (rule: string) => `A moderator did not publish this post. The rule: ${rule}.`,
    moderatorNote: 'Note from the moderator:',
    nudgeIntro: 'Before you send, please have another look:',
    nudges: {
      profanity: 'Some words here may upset people. Could you say it another way?',
      link: 'Links are shown as plain text until a moderator has checked them.',
      attachment: 'Pictures and files cannot be shared here. Please describe it in words instead.',
      medical_question:
        'This looks like a question for your own care team: they know your history and can answer it safely. The group can share experiences, but not advice about your treatment.',
      personal_information:
        'This seems to include personal details (a phone number, e-mail, address, date of birth or hospital number). For your safety, please leave them out.',
      crisis: 'It sounds like things are very hard right now. You are not alone.',
      threat: 'Please keep the conversation safe for everyone.',
    },
    supportHeading:
      'If you are in danger or thinking about harming yourself, please reach out now:',
    defaultSupport: [
      { label: 'Emergency services', detail: 'Call 112 or 999' },
      { label: 'Samaritans (free, day or night)', detail: 'Call 116 123' },
    ],
    threatGuidance:
      'If anyone may be in immediate danger, call the Gardaí (police) on 112 or 999 now, then follow the organisation’s safeguarding procedure.',
    reactions: { heart: 'Heart', hug: 'Hug', pray: 'Thinking of you', clap: 'Well done' },
    reactionEmoji: { heart: '❤️', hug: '🤗', pray: '🙏', clap: '👏' },
    errors: {
      notFound: 'We could not find that post.',
      muted: (until: string) =>
        `A moderator has paused your posting in this group until ${until}. You can still read.`,
      consent: 'Please read and accept the updated group documents before posting.',
      alreadyDecided: (name: string) => `This post was already decided by ${name}.`,
      claimed: (name: string) => `${name} is reviewing this post right now.`,
      changed: 'This post has changed since you opened it. Please read it again.',
      undoExpired: 'This decision can no longer be undone.',
      versionRequired: 'Please reload the page and try again (the version is missing).',
      ruleRequired: 'Please choose the rule this post breaks.',
      parentNotFound: 'The post you are replying to is no longer available.',
      notEditable: 'This post can no longer be changed.',
    },
  },
  membershipNotice: {
    removed: 'You are no longer a member of this group.',
    left: 'You have left this group.',
    suspended: (until: string) => `Your membership of this group is suspended until ${until}.`,
    muted: (until: string) =>
      `A moderator has paused your posting in this group until ${until}. You can still read.`,
    active: 'Your membership of this group is active again.',
    untilLifted: 'a moderator lifts it',
  },
  moderation: {
    queueLink: 'Review queue',
    pageTitle: (group: string) => `${group}: review queue`,
    empty: 'Nothing waiting. Thank you!',
    priority: 'Priority: may need support now',
    waiting: (minutes: number) => `Waiting ${minutes} min`,
    overdue: 'Past the response target',
    track: (approved: number, rejected: number) =>
      `${approved} approved, ${rejected} not published`,
    reviewing: (name: string) => `${name} is reviewing`,
    reviewingYou: 'You are reviewing this',
    approve: 'Approve',
    reject: 'Do not publish',
    editApprove: 'Edit and approve',
    claim: 'Review this',
    release: 'Stop reviewing',
    undo: 'Undo',
    approveSelected: 'Approve selected',
    rule: 'Rule broken',
    note: 'Note to the author (optional)',
    shortcuts:
      'Keyboard: j next, k previous, a approve, r do not publish (choose the rule first), c review this.',
    findings: {
      profanity: 'Strong language',
      link: 'Link',
      attachment: 'Picture or file',
      medical_question: 'Personal medical question',
      personal_information: 'Personal details',
      crisis: 'Crisis language',
      threat: 'Threat of violence',
    },
    approved: 'Approved and published.',
    rejected: 'Not published; the author has been told why.',
    undone: 'Decision undone; the post is back in the queue.',
    approvedMany: (done: number, total: number) => `Approved ${done} of ${total}.`,
    recent: 'Your recent decisions (can be undone for a minute)',
    select: 'Select for approval',
    waitingCount: (n: number) => `${n} waiting`,
    closed: 'Outside review hours: waiting times do not count as late.',
    edited: 'Edited text',
    reply: 'Reply to an earlier post',
  },
  notifications: {
    pageTitle: 'Notifications',
    empty: 'No notifications.',
    markAllRead: 'Mark all as read',
    post_approved: (group: string) => `Your post in ${group} was approved and published.`,
    post_rejected: (group: string) =>
      `Your post in ${group} was not published. You can revise it or withdraw it.`,
    post_edited_by_moderator: (group: string) =>
      `A moderator edited your post in ${group} before publishing it.`,
    reply: (group: string) => `Someone replied to your post in ${group}.`,
    invitation_accepted: (group: string) => `Someone joined ${group} with your invitation.`,
    reactions: (group: string, n: number) =>
      `${n} supportive reaction${n === 1 ? '' : 's'} on your post in ${group}.`,
    queue_item: (group: string) => `A new post is waiting for review in ${group}.`,
    queue_priority: (group: string) =>
      `A post that may need urgent support is waiting in ${group}.`,
    threat_alert: (group: string) => `A post in ${group} may contain a threat of violence.`,
    other: 'You have a new notification.',
  },
} as const;
