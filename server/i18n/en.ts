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
    payloadTooLarge: 'That is more than we can take in one go. Please send less.',
    badRequest: 'We could not understand that request.',
    validation: 'Please check what you entered.',
    secondFactorRequired: 'Please finish signing in with your code first.',
    sameOrigin: 'This request came from another website and was refused.',
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
} as const;
