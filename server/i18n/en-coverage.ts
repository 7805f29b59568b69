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
  },
};
