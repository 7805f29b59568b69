import { DataSet, RegExpMatcher, englishDataset, englishRecommendedTransformers } from 'obscenity';
import type { ScreeningKind } from '../../models/post';

/**
 * Screening of a post before it reaches the moderators' queue. Pure: text in, findings out.
 *
 * A finding carries a kind and a short code (e.g. `personal_information` / `eircode`), never the
 * matched text, so findings can travel with the post, into logs and notifications without copying
 * anyone's words.
 *
 * Every pattern is linear on adversarial input: quantifiers are bounded and never nested in an
 * ambiguous way, so a 100 kB string finishes in milliseconds (see tests/unit/screening.test.ts and
 * tests/bench/screening.ts). The same patterns are served to the composer (`screeningRulesForClient`)
 * so the hint in the browser and the check on the server cannot drift apart.
 */
export interface Finding {
  kind: ScreeningKind;
  code: string;
}

export interface ScreeningRule {
  kind: ScreeningKind;
  code: string;
  pattern: RegExp;
}

// Bounded whitespace between the words of a phrase ("should I take"): never `\s+`, never nested.
const S = '\\s{1,5}';
const S0 = '\\s{0,5}';

const rules: ScreeningRule[] = [
  // Links: a scheme, a www. prefix, or a bare domain with a common top-level domain.
  { kind: 'link', code: 'url', pattern: /\b(?:https?|ftp):\/\/[^\s]{1,2000}/i },
  { kind: 'link', code: 'url', pattern: /\bwww\.[a-z0-9-]{1,63}\.[a-z]{2,12}/i },
  {
    kind: 'link',
    code: 'domain',
    pattern:
      /(?<![@\w.-])[a-z0-9][a-z0-9-]{0,62}\.(?:com|ie|org|net|info|io|co\.uk|uk|eu|ly|me|app|health|gov)\b/i,
  },

  // Attempts to include images or files.
  {
    kind: 'attachment',
    code: 'markup',
    pattern: /<\s{0,3}(?:img|iframe|video|object|embed)\b|!\[[^\]\n]{0,40}\]\(|data:[a-z]{1,20}\//i,
  },
  {
    kind: 'attachment',
    code: 'file',
    pattern: /\w\.(?:jpe?g|png|gif|webp|heic|bmp|pdf|docx?|xlsx?|pptx?|mp4|mov|zip)\b/i,
  },
  {
    kind: 'attachment',
    code: 'mention',
    pattern:
      /\b(?:(?:see|here(?:'s| is)|i've|i have)\s{1,3}(?:attached|uploaded)|(?:photo|picture|pic|scan|file|screenshot|image)\s{1,3}attached|attach(?:ed|ing)\s{1,3}(?:a|my|the)\s{1,3}(?:photo|picture|pic|scan|file|screenshot|image|letter|results?))\b/i,
  },

  // Personal medical questions: best answered by the person's own care team.
  {
    kind: 'medical_question',
    code: 'dosage',
    pattern: new RegExp(
      `\\b(?:dosage|what${S}dose|how${S}(?:much|many)${S}(?:mg|milligrams?|ml|tablets?|pills?|capsules?|units?)|\\d{1,5}${S0}(?:mg|mcg|ml)\\b)`,
      'i',
    ),
  },
  {
    kind: 'medical_question',
    code: 'should_i',
    pattern: new RegExp(
      `\\b(?:should|can|could|do)${S}i${S}(?:take|stop|start|skip|increase|reduce|double|halve|come${S}off|mix|keep${S}taking)\\b`,
      'i',
    ),
  },
  {
    kind: 'medical_question',
    code: 'is_it_normal',
    pattern: new RegExp(
      `\\bis${S}(?:it|this)${S}normal${S}(?:that|for|to)?${S0}(?:my|me|i)\\b`,
      'i',
    ),
  },

  // Personal health information: phone numbers, e-mail addresses, dates of birth, record numbers,
  // home addresses (Irish Eircodes included).
  {
    kind: 'personal_information',
    code: 'email',
    // One character of the local part is enough to know it is an address (and keeps it linear).
    pattern: /[a-z0-9._%+-]@[a-z0-9-]{1,63}\.[a-z0-9.-]{2,100}/i,
  },
  {
    kind: 'personal_information',
    code: 'phone',
    pattern:
      /(?:\+|\b00)\d{1,3}[\s.-]{0,2}\(?\d{1,4}\)?[\s.-]{0,2}\d{2,4}[\s.-]{0,2}\d{2,5}\b|\b0\d{1,3}[\s.-]{0,2}\d{3}[\s.-]{0,2}\d{3,4}\b|\(0\d{1,3}\)\s{0,2}\d{3}[\s.-]{0,2}\d{3,4}\b/,
  },
  {
    kind: 'personal_information',
    code: 'date_of_birth',
    pattern:
      /\b(?:date\s{1,3}of\s{1,3}birth|d\.?o\.?b\b|born\s{1,3}on|my\s{1,3}birthday\s{1,3}is)|\b\d{1,2}[/.-]\d{1,2}[/.-](?:19\d{2}|200\d)\b/i,
  },
  {
    kind: 'personal_information',
    code: 'record_number',
    pattern:
      /\b(?:mrn|medical\s{1,3}record|hospital\s{1,3}(?:number|no\b|num\b|id\b)|chart\s{1,3}(?:number|no\b)|patient\s{1,3}(?:number|no\b|id\b)|record\s{1,3}number|pps\s{0,3}(?:number|no\b)|ppsn|nhs\s{1,3}number|ihi\s{1,3}number)/i,
  },
  {
    kind: 'personal_information',
    code: 'pps_number',
    pattern: /\b\d{7}[A-W][A-IW]?\b/,
  },
  {
    kind: 'personal_information',
    code: 'eircode',
    // Routing key (letter + two digits, or D6W) and a four-character unique identifier, in capitals
    // as printed (lower case would flag ordinary words such as "w12 week").
    pattern: /\b(?:[AC-FHKNPRTV-Y]\d{2}|D6W)\s{0,2}[0-9AC-FHKNPRTV-Y]{4}\b/,
  },
  {
    kind: 'personal_information',
    code: 'address',
    // A house number, one to three capitalised words, a street type: "12 Oak Park Road".
    pattern:
      /\b(?:[Ii]\s{1,3}live\s{1,3}(?:at|on)\s{1,3}\d{1,4}|\d{1,4}[A-Za-z]?,?\s{1,3}(?:[A-Z][a-z']{1,20}\s{1,3}){1,3}(?:[Ss]treet|St|[Rr]oad|Rd|[Aa]venue|Ave|[Ll]ane|[Dd]rive|[Pp]ark|[Cc]lose|[Cc]rescent|[Tt]errace|[Cc]ourt|[Gg]rove|[Pp]lace|[Ww]ay|[Ss]quare)\b)/,
  },

  // Crisis language: the post goes to the priority lane and the author sees support at once.
  {
    kind: 'crisis',
    code: 'suicidal',
    pattern: new RegExp(
      `\\b(?:suicid(?:e|al)|kill${S}myself|end${S}(?:it${S}all|my${S}life|things)|take${S}my${S}(?:own${S})?life|(?:don'?t|do${S}not)${S}want${S}to${S}(?:live|be${S}here|wake${S}up|go${S}on)|better${S}off${S}(?:dead|without${S}me)|no${S}(?:reason|point)${S}(?:to${S}|in${S})?(?:live|living|going${S}on)|want${S}to${S}die)\\b`,
      'i',
    ),
  },
  {
    kind: 'crisis',
    code: 'self_harm',
    pattern: new RegExp(
      `\\b(?:self${S0}-?${S0}harm(?:ing)?|(?:hurt|hurting|cut|cutting|harm|harming|burn|burning)${S}myself|take${S}an${S}overdose|overdose${S}on${S}purpose)\\b`,
      'i',
    ),
  },

  // Threats of violence against others.
  {
    kind: 'threat',
    code: 'violence',
    pattern: new RegExp(
      `\\b(?:i(?:'m|${S}am)${S}going${S}to|i'?ll|i${S}will|gonna)${S}(?:kill|hurt|stab|shoot|beat|attack|batter|get)${S}(?:you|him|her|them|that|the|this|every)|\\bi${S}know${S}where${S}you${S}live\\b|\\bwatch${S}your${S}back\\b|\\byou(?:'ll|${S}will)${S}(?:pay|regret${S}it)\\b|\\b(?:bomb|shoot${S}up)${S}the\\b`,
      'i',
    ),
  },
];

export const SCREENING_RULES: readonly ScreeningRule[] = rules;

/** Kinds that stop the submission for a gentle nudge until the author sends anyway. */
export const NUDGE_KINDS: readonly ScreeningKind[] = [
  'profanity',
  'link',
  'attachment',
  'medical_question',
  'personal_information',
];

/** Kinds that never ask a person to confirm: crisis gets support at once, threats alert staff. */
export const IMMEDIATE_KINDS: readonly ScreeningKind[] = ['crisis', 'threat'];

// Clinical and survivor words that obscenity's English list counts as profanity but that patients
// must be able to write about plainly.
const ALLOWED_WORDS = new Set([
  'anal',
  'anus',
  'penis',
  'vagina',
  'sex',
  'semen',
  'ejaculate',
  'masturbate',
  'orgasm',
  'boob',
  'rape',
  'incest',
  'piss',
]);

const profanity = new RegExpMatcher({
  ...new DataSet<{ originalWord: string }>()
    .addAll(englishDataset)
    .removePhrasesIf((phrase) => ALLOWED_WORDS.has(phrase.metadata?.originalWord ?? ''))
    .build(),
  ...englishRecommendedTransformers,
});

/**
 * A match made of digits only is a number, not a word spelt in leetspeak: "my CA 15-3 was 455"
 * is a tumour marker, not "ass". A match with at least one letter ("a55", "sh1t") still counts.
 */
function hasProfanity(input: string): boolean {
  if (!profanity.hasMatch(input)) return false;
  return profanity
    .getAllMatches(input)
    .some((m) => /\p{L}/u.test(input.slice(m.startIndex, m.endIndex + 1)));
}

/** Upper bound on what is screened: bodies are at most 5,000 characters; anything longer is cut. */
const MAX_SCREENED = 100_000;

/** Runs every rule once; at most one finding per (kind, code), in rule order. */
export function screen(text: string): Finding[] {
  const input = text.length > MAX_SCREENED ? text.slice(0, MAX_SCREENED) : text;
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const add = (kind: ScreeningKind, code: string) => {
    const key = `${kind}:${code}`;
    if (seen.has(key)) return;
    seen.add(key);
    findings.push({ kind, code });
  };
  if (hasProfanity(input)) add('profanity', 'word');
  for (const rule of rules) {
    if (rule.pattern.test(input)) add(rule.kind, rule.code);
  }
  return findings;
}

export function needsConfirmation(findings: readonly Finding[]): boolean {
  return findings.some((f) => NUDGE_KINDS.includes(f.kind));
}

export function isCrisis(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.kind === 'crisis');
}

export function isThreat(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.kind === 'threat');
}

/** Distinct kinds, in a stable order, for nudges and badges. */
export function findingKinds(findings: readonly Finding[]): ScreeningKind[] {
  return [...new Set(findings.map((f) => f.kind))];
}

export interface ClientScreeningRule {
  kind: ScreeningKind;
  code: string;
  source: string;
  flags: string;
}

/**
 * The rules as data for the composer hint in the browser (served as JSON, rebuilt there with
 * `new RegExp(source, flags)`). Profanity is checked on the server only: its matcher is a library.
 */
export function screeningRulesForClient(): ClientScreeningRule[] {
  return rules.map((r) => ({
    kind: r.kind,
    code: r.code,
    source: r.pattern.source,
    flags: r.pattern.flags,
  }));
}
