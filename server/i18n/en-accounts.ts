/** Strings of the password reset (sign-in page link, forms, e-mails). Spread into `en`. */
export const accountsEn = {
  reset: {
    forgotLink: 'Forgot your password?',
    requestTitle: 'Reset your password',
    requestIntro:
      'Type the e-mail address you sign in with. We will send a link to choose a new password.',
    requestButton: 'Send the link',
    emailInvalid: 'Please type a whole e-mail address, like name@example.com.',
    sentTitle: 'Check your e-mail',
    sent: (email: string) =>
      `If an account uses ${email}, we have sent a link to it. The link works once, for 30 minutes.`,
    sentHint:
      'Nothing there after a few minutes? Look in your spam folder, check the address, or ask for a new link.',
    askAgain: 'Ask for a new link',
    backToSignIn: 'Back to sign in',
    formTitle: 'Choose a new password',
    formIntro: 'Choose a new password for your account. You will be signed out on every device.',
    newPassword: 'New password',
    code: 'Code from your authenticator app',
    codeHint:
      'Your account uses two-step sign-in: type the 6-digit code from your app, or one of your recovery codes.',
    button: 'Save new password',
    invalidTitle: 'This link does not work',
    invalid:
      'This link does not work any more. Each link works once, for 30 minutes, and only the newest one you asked for. Please ask for a new link.',
    done: 'Your password is changed and you are signed out everywhere. Please sign in with your new password.',
    mailSubject: 'Reset your Harbour password',
    mailText: (url: string, minutes: number) =>
      `Someone (we hope you) asked to reset the password of the Harbour account that uses this e-mail address.\n\nTo choose a new password, open this link within ${minutes} minutes:\n${url}\n\nThe link works once. If you did not ask, you can ignore this e-mail: your password stays as it is.`,
    changedSubject: 'Your Harbour password was changed',
    changedOnAccountText: (url: string) =>
      `The password of your Harbour account was just changed on its account page, and every other device was signed out.\n\nIf this was you, there is nothing more to do.\n\nIf it was not you, please reset your password straight away at ${url} and tell the people who run Harbour.`,
    changedText: (url: string) =>
      `The password of your Harbour account was just changed with a reset link, and every device was signed out.\n\nIf this was you, there is nothing more to do.\n\nIf it was not you, please reset your password straight away at ${url} and tell the people who run Harbour.`,
  },
  signup: {
    checkTitle: 'Check your e-mail',
    check: (email: string) =>
      `We have sent an e-mail to ${email}. Open it within 24 hours to finish joining.`,
    checkHint:
      'Nothing there after a few minutes? Look in your spam folder. If the address was wrong, open your invitation link again.',
    confirmTitle: 'Finish joining',
    confirmIntro: (group: string) =>
      `Press the button to create your account and join ${group}. Then sign in with your e-mail address and the password you chose.`,
    confirmButton: 'Create my account and join',
    confirmSubject: 'Finish joining Harbour',
    confirmText: (url: string, hours: number) =>
      `Someone (we hope you) used a Harbour invitation with this e-mail address.\n\nTo create your account and join, open this link within ${hours} hours:\n${url}\n\nIf this was not you, you can ignore this e-mail: no account is made.`,
    existingSubject: 'About your Harbour invitation',
    existingText: (loginUrl: string, forgotUrl: string) =>
      `Someone (we hope you) used a Harbour invitation with this e-mail address. This address already has a Harbour account, so no new one was made.\n\nIf it was you: sign in at ${loginUrl}, then open your invitation link again. If you forgot your password, you can choose a new one at ${forgotUrl}.\n\nIf it was not you, you can ignore this e-mail.`,
  },
};
