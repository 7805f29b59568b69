/**
 * The demo's cast and words. Every person is invented (pseudonyms, `.invalid` addresses); the
 * posts read like a real week in a peer support group so the interface can be judged honestly.
 */
export interface DemoPerson {
  key: string;
  role: 'administrator' | 'advocate' | 'moderator' | 'member';
  displayName: string;
  email: string;
}

const person = (key: string, role: DemoPerson['role'], displayName: string): DemoPerson => ({
  key,
  role,
  displayName,
  email: `${key}@demo.harbour.invalid`,
});

export const STAFF: DemoPerson[] = [
  person('admin', 'administrator', 'Harbour Admin (demo)'),
  person('advocate', 'advocate', 'Gráinne (advocate)'),
  person('moderator', 'moderator', 'Deirdre (moderator)'),
  person('moderator2', 'moderator', 'Brendan (moderator)'),
];

export const MEMBERS: DemoPerson[] = [
  person('maeve', 'member', 'Maeve'),
  person('orla', 'member', 'Orla K'),
  person('sinead', 'member', 'Sunflower Sinéad'),
  person('aisling', 'member', 'Aisling'),
  person('bernie', 'member', 'Bernie from Mayo'),
  person('ciara', 'member', 'Ciara'),
  person('eimear', 'member', 'Eimear'),
  person('fionnuala', 'member', 'Fionnuala'),
  person('helen', 'member', 'Helen B'),
  person('jacinta', 'member', 'Jacinta'),
  person('lorraine', 'member', 'Lorraine'),
  person('mairead', 'member', 'Mairéad'),
  person('noreen', 'member', 'Noreen'),
  person('pauline', 'member', 'Pauline'),
  person('rita', 'member', 'Rita the Rambler'),
  person('triona', 'member', 'Tríona'),
];

export const GROUP = {
  slug: 'mbc-ireland',
  name: 'MBC Ireland — Living Well Together',
  description:
    'A private group for women in Ireland living with metastatic (stage 4) breast cancer. Share the everyday: treatment days, scan weeks, good days and hard ones, with people who understand.\n\nRun by volunteers with lived experience and looked after by trained moderators.',
  howToJoin:
    'Ask one of our advocates for an invitation, or send a request from this page. We usually answer within two working days.',
  disclaimer:
    'This group is peer support, not medical advice. Please take questions about your own treatment, doses or symptoms to your oncology team or GP. In an emergency call 112 or 999.',
  rules: [
    { ruleId: 'kind', title: 'Be kind', body: 'Everyone here is carrying a lot. Disagree gently.' },
    {
      ruleId: 'no-medical-advice',
      title: 'No personal medical advice',
      body: 'Share experiences, not instructions. Doses and treatment choices belong with your care team.',
    },
    {
      ruleId: 'privacy',
      title: 'Keep it private',
      body: 'No phone numbers, addresses or hospital numbers, yours or anyone else’s.',
    },
    {
      ruleId: 'no-selling',
      title: 'No selling or cures',
      body: 'No products, remedies or fundraising links.',
    },
  ],
  questions: [{ text: 'What would you like from the group?' }],
  businessHours: {
    days: [1, 2, 3, 4, 5, 6],
    start: '09:00',
    end: '21:00',
    timeZone: 'Europe/Dublin',
  },
  minimumAge: 18,
};

interface Line {
  author: string;
  body: string;
}
interface Thread extends Line {
  replies: Line[];
  hearts?: string[];
  /** One of the default topics (server/services/topic-list.ts), or none. */
  topic?: 'treatment' | 'everyday-life' | 'celebrations' | 'off-topic';
}

/** Seven days, oldest first. */
export const WEEK: Thread[][] = [
  [
    {
      author: 'advocate',
      body: 'Good morning all, and a warm welcome to our three newest members. No pressure to post: read along until you feel ready. We are glad you found us.',
      replies: [
        { author: 'maeve', body: 'Welcome! This group has been a lifeline for me this past year.' },
        { author: 'ciara', body: 'Hello and welcome. Ask anything, someone will have been there.' },
      ],
      hearts: ['orla', 'sinead', 'aisling', 'helen'],
    },
    {
      author: 'orla',
      topic: 'treatment',
      body: 'Scan day tomorrow. The scanxiety is real. Anyone else find the waiting for results worse than the scan itself?',
      replies: [
        {
          author: 'bernie',
          body: 'Every single time. I book something nice for the afternoon after, it helps a little.',
        },
        {
          author: 'eimear',
          body: 'Thinking of you. I bring my sister and we get chips on the way home, it is a ritual now.',
        },
        {
          author: 'rita',
          body: 'The waiting is the worst part. Sending you strength for tomorrow.',
        },
      ],
      hearts: ['maeve', 'triona', 'pauline'],
    },
  ],
  [
    {
      author: 'sinead',
      topic: 'celebrations',
      body: 'Small win: I walked to the end of the pier and back today for the first time since March. Slowly, but I did it.',
      replies: [
        { author: 'lorraine', body: 'That is not a small win at all. Well done you!' },
        { author: 'jacinta', body: 'Brilliant. The sea air does wonders.' },
      ],
      hearts: ['orla', 'maeve', 'ciara', 'helen', 'noreen', 'mairead'],
    },
    {
      author: 'helen',
      topic: 'everyday-life',
      body: 'Does anyone have tips for explaining stage 4 to a nine-year-old? My daughter has started asking questions and I want to be honest without frightening her.',
      replies: [
        {
          author: 'fionnuala',
          body: 'The hospice near us had a family support worker who helped us find words. Worth asking your nurse specialist if there is one near you.',
        },
        {
          author: 'aisling',
          body: 'We used a picture book about a mammy who is sick for a long time. My son asked for it every night for a month.',
        },
        {
          author: 'advocate',
          body: 'Helen, the Irish Cancer Society nurseline can also point you to family resources. You are doing a great job just by asking.',
        },
      ],
    },
  ],
  [
    {
      author: 'bernie',
      topic: 'treatment',
      body: 'Fatigue is flattening me this cycle. What gets you through the afternoons?',
      replies: [
        {
          author: 'noreen',
          body: 'A twenty minute lie down with the radio, no phone. And I stopped feeling guilty about it.',
        },
        { author: 'pauline', body: 'Batch cooking on good days so the bad days are easier.' },
        { author: 'maeve', body: 'Gentle chair yoga videos. Five minutes counts.' },
      ],
      hearts: ['orla', 'rita'],
    },
  ],
  [
    {
      author: 'orla',
      topic: 'celebrations',
      body: 'Results are in: stable! Stable is my favourite word. Thank you all for the messages last week.',
      replies: [
        { author: 'sinead', body: 'STABLE! Delighted for you Orla.' },
        { author: 'ciara', body: 'Best news. Enjoy every minute of this.' },
        { author: 'triona', body: 'Stable is the best word in the English language.' },
        { author: 'moderator', body: 'Lovely news Orla, thank you for coming back to tell us.' },
      ],
      hearts: ['maeve', 'bernie', 'aisling', 'eimear', 'fionnuala', 'helen', 'jacinta', 'lorraine'],
    },
  ],
  [
    {
      author: 'mairead',
      body: 'First time posting. I was diagnosed de novo in January and I have been reading here quietly. Thank you for being so open, it has helped me more than you know.',
      replies: [
        {
          author: 'advocate',
          body: 'Mairéad, welcome, and thank you for saying hello. We are here whenever you want to talk.',
        },
        {
          author: 'jacinta',
          body: 'De novo here too, three years in. It does get easier to live alongside.',
        },
      ],
      hearts: ['orla', 'sinead', 'bernie', 'noreen'],
    },
    {
      author: 'rita',
      topic: 'off-topic',
      body: 'Rambling as usual: the garden centre had hellebores on offer so I bought four. Something to look forward to in February.',
      replies: [
        {
          author: 'eimear',
          body: 'Hellebores are the best winter flowers. Post a description when they bloom!',
        },
      ],
    },
  ],
  [
    {
      author: 'aisling',
      topic: 'everyday-life',
      body: 'Reminder that the online relaxation session is on Thursday evening. The last one was lovely, even for sceptics like me.',
      replies: [{ author: 'pauline', body: 'I will be there with my cup of tea.' }],
    },
  ],
  [
    {
      author: 'noreen',
      body: 'Feeling low today, nothing in particular, just tired of it all. Not looking for advice, just wanted to say it somewhere people get it.',
      replies: [
        { author: 'maeve', body: 'We get it. Sitting with you in spirit today.' },
        { author: 'helen', body: 'Some days are just heavy. Be gentle with yourself.' },
        {
          author: 'moderator',
          body: 'Thank you for telling us, Noreen. If the low days pile up, your nurse specialist or the nurseline are there too.',
        },
      ],
      hearts: ['orla', 'sinead', 'ciara'],
    },
  ],
];

export const BIRTHDAY: Line = {
  author: 'bernie',
  body: 'Today I turn 60. When I was diagnosed with mets four years ago they talked in months, so today feels enormous. Cake for breakfast!',
};

const wishes = [
  'Happy birthday Bernie! Cake for breakfast is the only way.',
  'Sixty and fabulous. Have the best day.',
  'Happy birthday! This made me cry happy tears.',
  'Many happy returns Bernie, enjoy every crumb.',
  'What a milestone. Happy birthday from Cork!',
  'Lá breithe sona duit!',
  'Happy 60th! Here is to many more.',
  'Four years and counting. You give us all hope.',
  'Happy birthday, hope someone spoils you rotten today.',
  'Enormous is the right word. Congratulations!',
];
const wishers = [
  'maeve',
  'orla',
  'sinead',
  'aisling',
  'ciara',
  'eimear',
  'fionnuala',
  'helen',
  'jacinta',
  'lorraine',
  'mairead',
  'noreen',
  'pauline',
  'rita',
  'triona',
  'advocate',
  'moderator',
  'moderator2',
];

/** Dozens of replies: everyone wishes her well, some twice as the day goes on. */
export const BIRTHDAY_REPLIES: Line[] = [
  ...wishers.map((author, i) => ({ author, body: wishes[i % wishes.length] as string })),
  ...wishers.slice(0, 14).map((author, i) => ({
    author,
    body: [
      'Checking back in: hope the day has been as lovely as you deserve.',
      'Did you get more cake?',
      'Still smiling about this post.',
      'Happy birthday again!',
    ][i % 4] as string,
  })),
  {
    author: 'bernie',
    body: 'Thank you all so much. I have read every message twice. Best birthday in years.',
  },
];

export const REJECTED = [
  {
    author: 'rita',
    body: 'My neighbour swears by a turmeric cure from a website, should I take it instead of my tablets?',
    ruleId: 'no-medical-advice',
    note: 'Rita, please ask your oncology team before changing anything. You are welcome to share how you are feeling about treatment.',
  },
];

/** A published post that two members reported (it promotes an unproven remedy). */
export const REPORTED = {
  author: 'noreen',
  body: 'I stopped bothering with the hospital diet sheet and just drink celery juice now, honestly everyone should, it clears the cancer out.',
  ruleId: 'no-medical-advice',
  reporters: [
    { key: 'helen', note: 'This could upset people who are newly diagnosed.' },
    { key: 'pauline', note: '' },
  ],
};

/** One waiting post for each screening kind, and two plain ones. */
export const PENDING: Line[] = [
  {
    author: 'lorraine',
    body: 'Has anyone tried the new support centre in Galway? Thinking of going to the Tuesday group.',
  },
  { author: 'triona', body: 'Thank you all for the kind words last week. It meant a lot.' },
  {
    author: 'pauline',
    body: 'Honestly the parking at the hospital is a fucking disgrace, forty minutes circling today.',
  },
  {
    author: 'eimear',
    body: 'Found a great article on exercise during treatment: www.example-cancer-info.ie/exercise',
  },
  {
    author: 'jacinta',
    body: 'Here is a photo of my new wig, see attached wig.jpg, what do you think?',
  },
  { author: 'ciara', body: 'My oncologist suggested 50 mg, should I take it with food or not?' },
  { author: 'fionnuala', body: 'If anyone wants to chat, ring me on 087 123 4567 any evening.' },
  {
    author: 'noreen',
    body: 'Tonight I feel like there is no point in going on. I do not want to wake up tomorrow.',
  },
  {
    author: 'helen',
    body: 'That nurse was so rude to my mother, I swear I will hurt her if she does it again.',
  },
];
