/** Strings of round-the-clock coverage and the organisation's voice (issue 14), spread into `en`. */
export const coverageEn = {
  coverage: {
    onDutyNow: 'A moderator is on duty now.',
    offDuty: (hours: string, when: string) =>
      `No moderator is on duty right now. ${hours}; yours will be read ${when}.`,
    rota: {
      title: (group: string) => `Rota: ${group}`,
      intro:
        'Business hours are what the group promises. Slots on the rota add cover on top: while someone is on duty, members are told so and new posts alert them.',
      timeZone: (zone: string) => `Times are in the group's time zone (${zone}).`,
      nowOn: 'Now:',
      empty: 'No slots yet.',
      free: 'Free',
      yours: 'You',
      weekday: 'Day',
      start: 'From',
      end: 'To',
      takeIt: 'I will take this slot',
      add: 'Add slot',
      take: 'Take',
      handOver: 'Hand over to',
      handOverButton: 'Hand over',
      swapWith: 'Swap with',
      swapButton: 'Swap',
      release: 'Give back',
      remove: 'Remove',
      saved: 'The rota is updated.',
    },
    alerts: {
      subject: 'Harbour: a post is waiting for review',
      urgentSubject: 'Harbour: a post may need urgent attention',
      body: (link: string) =>
        `A post is waiting for review in one of your groups. Please sign in to Harbour to read it:\n${link}\n\nThis e-mail does not include the post or the group, to keep them private.`,
      waitingPastTarget: (group: string) =>
        `A post in ${group} has waited longer than the group's target. Could you look at it?`,
    },
    grid: {
      title: 'Coverage this week',
      intro:
        'Shaded hours are covered (business hours and rota). Numbers are the posts that arrived at that hour over the last four weeks.',
      caption: 'Covered hours and post arrivals by weekday and hour',
      cell: (day: string, hour: number, covered: number, arrivals: number) =>
        `${day} ${hour}:00: ${covered >= 60 ? 'covered' : covered > 0 ? `${covered} minutes covered` : 'not covered'}, ${arrivals} post${arrivals === 1 ? '' : 's'} in four weeks`,
      keyCovered: 'covered',
      keyPart: 'partly covered',
      keyNone: 'not covered',
    },
  },
};

/** Speaking for the organisation (issue 14). */
export const orgVoiceEn = {
  orgVoice: {
    badge: 'Organisation',
    notStaff: 'Only staff accounts can speak for the organisation.',
    link: 'Reply as the organisation',
    title: 'Write as the organisation',
    intro:
      'This will appear with an "Organisation" badge. Never confirm or hint that anyone is or was a patient here.',
    bodyLabel: 'Message',
    insertStatement: 'Insert the privacy statement',
    send: 'Send for review',
    blockedTitle: 'Please check these words before sending',
    blockedIntro:
      'They could tell others that someone is or was a patient. Edit the message, or give a reason to send it as it is (the reason is kept in the audit log).',
    overrideLabel: 'Reason to send it as it is',
    sendAnyway: 'Send with this reason',
    sent: 'Sent. A moderator will review it before the group sees it.',
    staffTitle: 'Staff accounts',
    staffIntro:
      'Staff accounts may post on behalf of the organisation. Their posts carry an "Organisation" badge.',
    staffOn: 'Staff',
    makeStaff: 'Make staff',
    removeStaff: 'Remove staff',
    staffSaved: 'Saved.',
    replyLabel: 'Reply from the organisation',
  },
  triage: {
    summary: 'More actions',
    approveWithReply: 'Approve and attach the organisation’s reply',
    escalate: 'Escalate as threat',
    escalateHelp:
      'Keeps a sealed copy of the post and its earlier versions for the administrators, and alerts them now.',
    flag: 'Flag as potential complaint or claim',
    flagNote: 'Note (for staff only)',
    approvedWithReply: 'Approved, with the organisation’s reply underneath.',
    escalated: 'Escalated. The administrators have a sealed copy and have been alerted.',
    flagged: 'Flagged as a potential complaint or claim.',
    saved: 'Saved.',
    complaintsTitle: 'Potential complaints and claims',
    complaintsEmpty: 'Nothing flagged.',
    status: 'Status',
    statuses: { open: 'Open', in_progress: 'In progress', closed: 'Closed' },
    addNote: 'Add a note',
    update: 'Update',
    threatsTitle: 'Threat evidence',
    threatsEmpty: 'No threats have been escalated.',
    threatTitle: 'Threat evidence (printable)',
    intact: 'The record matches its SHA-256 fingerprint.',
    notIntact: 'Warning: the record does not match its fingerprint.',
    fingerprint: 'SHA-256 fingerprint',
    asSubmitted: 'Text as submitted',
    revisions: 'Every version until escalation',
    author: 'Author (pseudonymous id)',
    group: 'Group',
    escalatedBy: 'Escalated by',
    escalatedAt: 'Escalated at',
    submittedAt: 'Submitted at',
    contacts: 'Contact with the police',
    noContacts: 'No contact recorded yet.',
    agency: 'Police service or station',
    reference: 'Their reference',
    contactedAt: 'When',
    record: 'Record contact',
  },
};
