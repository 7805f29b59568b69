/**
 * Strings of conversation topics, the discussion insights and the coverage week chart (issue 14,
 * items 2 and 8), spread into `en`.
 */
export const topicsEn = {
  topics: {
    defaults: {
      treatment: 'Treatment',
      'everyday-life': 'Everyday life',
      celebrations: 'Celebrations',
      'off-topic': 'Off-topic',
    } as Record<string, string>,
    title: (group: string) => `Topics: ${group}`,
    intro:
      'Members can give a new post one topic and show only the posts of one topic. Keep the list short. Renaming a topic renames it on every post that has it; a retired topic stays on old posts but is no longer offered when writing.',
    limits: (active: number, total: number, length: number) =>
      `Up to ${active} topics in use and ${total} in all, each at most ${length} characters.`,
    nameLabel: 'Name',
    renameLabel: (name: string) => `New name for “${name}”`,
    rename: 'Rename',
    moveUp: 'Move up',
    moveDown: 'Move down',
    retire: 'Retire',
    restore: 'Use again',
    add: 'Add topic',
    addLabel: 'New topic',
    retiredBadge: 'Retired',
    posts: (n: number) => `${n} published post${n === 1 ? '' : 's'}`,
    saved: 'The topics are saved.',
    none: 'No topics yet.',
    errors: {
      nameRequired: 'Please give the topic a name.',
      nameTooLong: (max: number) => `Please keep a topic name to ${max} characters or fewer.`,
      duplicate: 'There is already a topic with that name (it may be retired: use it again).',
      tooManyActive: (max: number) =>
        `A group can have at most ${max} topics in use. Retire one first.`,
      tooMany: (max: number) => `A group can have at most ${max} topics, retired ones included.`,
      notFound: 'That topic is not in this group’s list.',
      changed: 'Someone else changed the topics at the same moment. Please try again.',
      unknown: 'That topic is not one of this group’s topics. Please choose one from the list.',
      retired: 'That topic is no longer used. Please choose another one, or no topic.',
      reply: 'A reply belongs to the topic of the post it answers, so it cannot have its own.',
    },
    // Composer, labels and the filter on the conversation page.
    choose: 'Topic (optional)',
    noTopic: 'No topic',
    label: 'Topic',
    filterLabel: 'Show posts about',
    allTopics: 'All topics',
    retiredOption: (name: string) => `${name} (no longer used)`,
    filterButton: 'Show',
    showing: (name: string) => `Showing posts about “${name}”.`,
    showAll: 'Show all topics',
    emptyFiltered: (name: string) => `No posts about “${name}” yet.`,
    unknownFilter: 'That topic is not in this group’s list, so all posts are shown.',
    filteredNote:
      'While a topic is chosen, new posts about other topics are not shown here and stay unread.',
    // Moderators change a post's topic (queue and published posts).
    change: 'Change topic',
    changeLabel: 'Topic of this post',
    changed: 'The topic of the post is changed.',
    replyHasNoTopic: 'Replies take the topic of the post they answer.',
  },
  discussion: {
    title: 'A living discussion',
    intro:
      'How members answer each other: replies per thread, members who come back week after week, and how soon a new post gets its first reply.',
    repliesTitle: 'Replies per thread',
    repliesSummary: (threads: number, median: number | null) =>
      threads === 0
        ? 'No threads were published in this period.'
        : `${threads} thread${threads === 1 ? '' : 's'} published; median ${median ?? 0} repl${median === 1 ? 'y' : 'ies'} each.`,
    bucket: 'Replies',
    threads: 'Threads',
    returningTitle: 'Returning members week over week',
    returningHelp:
      'Members who posted in a week and also in the week before. Counts below 3 are shown as “fewer than 3”, and then no share is given.',
    weekOf: 'Week of',
    posted: 'Posted that week',
    returning: 'Also posted the week before',
    share: 'Share returning',
    percent: (n: number) => `${n}%`,
    firstReplyTitle: 'Time to first reply',
    firstReplyHelp:
      'From a post being published to its first published reply, for posts published in this period.',
    withReply: 'Posts with a reply',
    withoutReply: 'Posts with no reply yet',
    duration: (minutes: number | null) => {
      if (minutes === null) return '—';
      const m = Math.round(minutes);
      if (m < 60) return `${m} min`;
      const h = Math.floor(m / 60);
      if (h < 48) return `${h} h ${m % 60} min`;
      return `${Math.floor(h / 24)} days ${h % 24} h`;
    },
  },
  complaintsForm: {
    processLabel: 'How to make a complaint (shown on the public page)',
    processHint:
      'The organisation’s own complaints process, in plain words. Left empty, the page shows a general text.',
    contactLabel: 'Who to contact with a complaint',
    contactHint: 'For example the patient advice office’s e-mail address or phone number.',
    contact: (detail: string) => `Contact: ${detail}`,
  },
  coverageChart: {
    title: 'Covered hours and arrivals, as a chart',
    help: 'Bars show how much of each hour of the week is covered (dark) or not (light); the line shows how many posts arrived at that hour over the last four weeks. The table above has the same figures.',
    covered: 'Covered (part of the hour)',
    uncovered: 'Not covered (part of the hour)',
    arrivals: 'Posts in four weeks',
    hourAxis: 'Part of the hour',
    arrivalsAxis: 'Posts',
  },
};
