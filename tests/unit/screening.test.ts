import {
  SCREENING_RULES,
  isCrisis,
  isThreat,
  needsConfirmation,
  screen,
  screeningRulesForClient,
} from '../../server/services/screening';

const kinds = (text: string) => screen(text).map((f) => `${f.kind}:${f.code}`);

describe('screening: what a member is gently asked about before sending', () => {
  it.each([
    ['Had a good day at the clinic, thank you all', []],
    ['I walked 2 miles down the road today', []],
    ['My anal fissure is healing at last', []],
    ['breast cancer support group meeting on Tuesday', []],
    ['I will see you all next week', []],
    ['Is it normal to feel tired after chemo?', []],
    // Numbers are numbers, not leetspeak ("455" is not "ass"): tumour markers, rooms, buses.
    ['My CA 15-3 came back at 455, down from 610', []],
    ['Ward 455 has lovely nurses', []],
  ])('leaves ordinary words alone: %s', (text, expected) => {
    expect(kinds(text)).toEqual(expected);
  });

  it.each([
    ['This is shit', 'profanity:word'],
    ['fuuuuck this disease', 'profanity:word'],
    ['what a load of sh1t', 'profanity:word'],
    ['kiss my a55', 'profanity:word'],
    ['see https://example.org/cure', 'link:url'],
    ['go to www.miracle.ie', 'link:url'],
    ['look up curecancer.com', 'link:domain'],
    ['here <img src="x">', 'attachment:markup'],
    ['![scan](x)', 'attachment:markup'],
    ['my scan.jpg shows it', 'attachment:file'],
    ['photo attached below', 'attachment:mention'],
    ['What dose of tamoxifen do you take', 'medical_question:dosage'],
    ['they put me on 50mg', 'medical_question:dosage'],
    ['Should I stop taking my tablets?', 'medical_question:should_i'],
    ['is it normal that my hands shake', 'medical_question:is_it_normal'],
    ['email me: mary.k@example.ie', 'personal_information:email'],
    ['text me on 087 123 4567', 'personal_information:phone'],
    ['ring +353 1 234 5678', 'personal_information:phone'],
    ['my date of birth is 3 May', 'personal_information:date_of_birth'],
    ['born 01/02/1960', 'personal_information:date_of_birth'],
    ['my MRN is 00123', 'personal_information:record_number'],
    ['hospital number 4456', 'personal_information:record_number'],
    ['PPS 1234567TA', 'personal_information:pps_number'],
    ['near D02 X285 if anyone is close', 'personal_information:eircode'],
    ['A65F4E2 is my eircode', 'personal_information:eircode'],
    ['D6W 1234 area', 'personal_information:eircode'],
    ['I live at 12 Oak Park Road', 'personal_information:address'],
    ['I want to kill myself', 'crisis:suicidal'],
    ["I don't want to wake up tomorrow", 'crisis:suicidal'],
    ['they would be better off without me', 'crisis:suicidal'],
    ['I have been self-harming again', 'crisis:self_harm'],
    ['I keep cutting myself', 'crisis:self_harm'],
    ["I'm going to kill him", 'threat:violence'],
    ['I know where you live', 'threat:violence'],
  ])('notices: %s', (text, expected) => {
    expect(kinds(text)).toContain(expected);
  });

  it('an e-mail address is personal information, not also a link', () => {
    expect(kinds('write to a.b@c.ie')).toEqual(['personal_information:email']);
  });

  it('asks for confirmation for nudges, but never holds back crisis or threat posts', () => {
    expect(needsConfirmation(screen('should I take more'))).toBe(true);
    const crisis = screen('I want to end it all');
    expect(needsConfirmation(crisis)).toBe(false);
    expect(isCrisis(crisis)).toBe(true);
    expect(isThreat(screen('I will hurt you'))).toBe(true);
  });

  it('findings carry codes, never the matched words', () => {
    const findings = screen('ring me on 087 123 4567 or mary@example.ie');
    for (const f of findings) expect(JSON.stringify(f)).not.toMatch(/087|mary/);
  });

  it('serves the same rules to the composer hint', () => {
    const client = screeningRulesForClient();
    expect(client).toHaveLength(SCREENING_RULES.length);
    const rebuilt = client.map((r) => new RegExp(r.source, r.flags));
    const text = 'should I stop my tablets? ring 087 123 4567';
    const serverHits = SCREENING_RULES.filter((r) => r.pattern.test(text)).map((r) => r.code);
    const clientHits = client.filter((_, i) => rebuilt[i]?.test(text)).map((r) => r.code);
    expect(clientHits).toEqual(serverHits);
  });

  // Adversarial inputs built to make backtracking regexes blow up. A catastrophic pattern would
  // run for minutes here; the test's timeout is the guard (figures: tests/bench/screening.ts).
  const size = 100_000;
  const adversarial: Array<[string, string]> = [
    ['letters', 'a'.repeat(size)],
    ['digits', '0'.repeat(size)],
    ['spaces', ' '.repeat(size) + '!'],
    ['hyphenated', 'a-'.repeat(size / 2)],
    ['dots', 'a.'.repeat(size / 2)],
    ['at-signs', 'a@'.repeat(size / 2)],
    ['words', 'should '.repeat(size / 7)],
    ['capitalised words', '1 Oak '.repeat(size / 6)],
    ['phone-ish', '0 1 '.repeat(size / 4)],
    ['markdown', '!['.repeat(size / 2)],
    ['mixed', 'is it normal '.repeat(size / 13) + 'x'],
    ['tags', '<'.repeat(size)],
  ];
  it.each(adversarial)(
    'finishes a 100 kB adversarial string (%s)',
    (_name, text) => {
      for (const rule of SCREENING_RULES) rule.pattern.test(text);
      expect(Array.isArray(screen(text))).toBe(true);
    },
    5000,
  );
});
